"""The README's YAML reference and the editors' JSON Schemas, generated from the config models.

``python -m reportsite.config.reference`` prints the Markdown; ``--write`` puts it between the
``<!-- reference:start -->`` and ``<!-- reference:end -->`` markers of README.md;
``--schemas DIR`` writes ``report.schema.json`` and ``site.schema.json`` into DIR.
"""

from __future__ import annotations

import argparse
import json
import types
import typing
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from reportsite.config.alert_models import Alert
from reportsite.config.delivery_models import Digest, PdfSettings
from reportsite.config.models import (
    AsOf,
    AthenaSettings,
    Chart,
    ChartParams,
    Check,
    ColumnSpec,
    Filter,
    ForEach,
    Freshness,
    Metric,
    ReportConfig,
    Rule,
    SourceSpec,
    Table,
)
from reportsite.config.project import report_schema, site_schema
from reportsite.config.site_models import Audience, Notify, SiteConfig

START, END = "<!-- reference:start -->", "<!-- reference:end -->"
README = Path(__file__).resolve().parents[3] / "README.md"
REGENERATE = "python -m reportsite.config.reference --write"

# (heading, model, a note after the model's own one-line docstring)
SECTIONS: list[tuple[str, type[BaseModel], str]] = [
    ("`site_src/site.yaml`", SiteConfig, "Every key is optional; a missing or empty file means all defaults."),
    ("`notify` (site.yaml)", Notify, "The `notify` mapping of site.yaml; see Messages."),
    ("`pdf` (site.yaml)", PdfSettings, "The `pdf` mapping of site.yaml; see PDFs."),
    ("`digests.<name>` (site.yaml)", Digest, "Each digest of site.yaml; see Digests and alerts."),
    ("Report files: `reports/<slug>.yaml`", ReportConfig,
     "The page is published as `reports/<slug>.html`. A report needs `title` and at least one of `metrics`, "
     "`charts`, `tables` or `text`."),
    ("`metrics[]`", Metric, "Each item of `metrics`."),
    ("`charts[]`", Chart, "Each item of `charts`."),
    ("`charts[].params`", ChartParams, "The `params` mapping of a chart."),
    ("`charts[].params.rules[]`", Rule, "Each item of a chart's `rules`."),
    ("`tables[]`", Table, "Each item of `tables`."),
    ("`tables[].columns.<name>`", ColumnSpec, "Written instead of a format under a table's `columns`, e.g. "
     "`{format: currency, currency: USD}`."),
    ("`checks[]`", Check, "Each item of `checks`; a failure names the check, the table and the value found."),
    ("`checks[].freshness`", Freshness, "The `freshness` mapping of a check."),
    ("`as_of`", AsOf, "The `as_of` mapping of a report."),
    ("`filters[]`", Filter, "Each item of `filters`: a dropdown on the page (see Filters below)."),
    ("`for_each`", ForEach, "The `for_each` mapping of a report: one page per value (see Pages per value below)."),
    ("`data_sources.<table>`", SourceSpec, "Written instead of a path under `data_sources`, e.g. "
     "`{path: targets.xlsx, sheet: \"2026\"}` or `{loader: shop_orders.py}`."),
    ("`alerts[]`", Alert, "Each item of a report's `alerts`; see Digests and alerts."),
    ("`audiences.<name>`", Audience, "Each audience of `site.yaml` (see Private reports below)."),
    ("`athena`", AthenaSettings, "The `athena` mapping of site.yaml or of a report (see Running queries on "
     "Athena below)."),
]
SECTION_OF = {model: heading for heading, model, _ in SECTIONS}
INTRO = f"""\
Generated from the models in `scripts/reportsite/config/` (`models.py`, `site_models.py` and the modules beside
them; regenerate with `{REGENERATE}`).
Unknown keys are errors. `reportsite schema` prints the same rules as a JSON Schema
(`reportsite schema --site` for `site.yaml`); an editor with the YAML language server (VS Code's
YAML extension, for example) completes keys and underlines mistakes when a report's first line names it:

```yaml
# yaml-language-server: $schema=../site_src/schema/report.schema.json
```

and `site_src/site.yaml` starts with `# yaml-language-server: $schema=schema/site.schema.json`. Both schema
files are committed; `{REGENERATE.replace('--write', '--schemas site_src/schema')}` regenerates them (a test
fails when they are out of date).
"""


def type_name(annotation: Any) -> str:
    """How a field's type reads in the reference: 'text', 'list of text', 'one of `a`, `b`'."""
    origin = get_origin(annotation)
    if origin in (types.UnionType, typing.Union):
        members = [get_args(a)[0] if get_origin(a) is typing.Annotated else a
                   for a in get_args(annotation) if a is not type(None)]
        if len(members) > 1 and any((isinstance(m, type) and issubclass(m, BaseModel)) or get_origin(m) is dict
                                    for m in members):
            return " or ".join(type_name(m) for m in members)
        if len(members) > 1:
            return "a single value (text, number, true/false or date)"
        return type_name(members[0])
    if origin is Literal:
        return "one of " + ", ".join(f"`{v}`" for v in get_args(annotation))
    if origin is list:
        return f"list of {_plural(get_args(annotation)[0])}"
    if origin is dict:
        return f"mapping of name → {type_name(get_args(annotation)[1])}"
    if origin is typing.Annotated:
        return type_name(get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"mapping (see {SECTION_OF[annotation]})"
    return {str: "text", int: "whole number", float: "number", bool: "true/false"}.get(annotation, str(annotation))


def _plural(annotation: Any) -> str:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"mappings (see {SECTION_OF[annotation]})"
    return type_name(annotation)


def default_text(field: FieldInfo) -> str:
    """The default as YAML would show it, or 'required'."""
    if field.is_required():
        return "**required**"
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "—"
    if value == "":
        return '`""`'
    if isinstance(value, list | dict):
        return "`[]`" if isinstance(value, list) else "`{}`"
    return f"`{value}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def bounds(field: FieldInfo) -> str:
    """' ≥ 0', ' > 0, ≤ 5000' from a field's numeric constraints."""
    signs = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}
    found = [f"{signs[name]} {getattr(item, name)}" for item in field.metadata for name in signs
             if getattr(item, name, None) is not None]
    return " " + ", ".join(found) if found else ""


def model_table(model: type[BaseModel]) -> str:
    """One Markdown table: key, type, default, description."""
    rows = ["| key | type | default | description |", "| --- | --- | --- | --- |"]
    for name, field in model.model_fields.items():
        kind = type_name(field.annotation) + bounds(field)
        rows.append(f"| `{name}` | {_cell(kind)} | {default_text(field)} | "
                    f"{_cell(field.description or '')} |")
    return "\n".join(rows)


def render() -> str:
    """The whole reference section: intro, then one table per model."""
    parts = [INTRO]
    for heading, model, note in SECTIONS:
        doc = (model.__doc__ or "").strip().splitlines()[0].replace("``", "`")
        parts.append(f"### {heading}\n\n{doc} {note}\n\n{model_table(model)}\n")
    return "\n".join(parts)


def replace_section(readme: str, section: str) -> str:
    """README text with the generated section between the markers."""
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{section.rstrip()}\n{END}{tail}"


def current_section(readme: str) -> str:
    """The text now between the README's markers."""
    return readme.split(START, 1)[1].split(END, 1)[0].strip("\n")


def write_readme(path: Path = README) -> bool:
    """Regenerate the README section; return whether the file changed."""
    before = path.read_text(encoding="utf-8")
    after = replace_section(before, render())
    if after != before:
        path.write_text(after, encoding="utf-8")
    return after != before


def write_schemas(folder: Path) -> list[Path]:
    """Write report.schema.json and site.schema.json (for editors) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in (("report.schema.json", report_schema()), ("site.schema.json", site_schema())):
        path = folder / name
        path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """Print the reference, or write it into README.md, or write the schemas."""
    parser = argparse.ArgumentParser(prog="python -m reportsite.config.reference", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update the section in README.md")
    parser.add_argument("--schemas", metavar="DIR", type=Path, help="write the JSON Schemas into DIR")
    args = parser.parse_args(argv)
    if args.schemas:
        for path in write_schemas(args.schemas):
            print(f"wrote {path}")
    if args.write:
        print(f"{'updated' if write_readme() else 'unchanged'}: {README}")
    if not (args.write or args.schemas):
        print(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
