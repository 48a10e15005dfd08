"""The README's YAML reference and the JSON Schemas come from the same models as validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reportsite.config import reference
from reportsite.config.models import Chart, ReportConfig
from reportsite.config.project import report_schema, site_schema

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_reference_section_is_generated_from_the_models() -> None:
    section = reference.current_section(README.read_text(encoding="utf-8"))

    assert section == reference.render().rstrip(), (
        "README.md's YAML reference is out of date with scripts/reportsite/config.py; regenerate it with "
        f"`.venv/bin/{reference.REGENERATE}`"
    )


def test_reference_lists_every_key_of_every_model() -> None:
    text = reference.render()

    for _, model, _ in reference.SECTIONS:
        for name in model.model_fields:
            assert f"| `{name}` |" in text, f"{model.__name__}.{name}"


def test_reference_rows_show_type_default_and_description() -> None:
    table = reference.model_table(Chart)

    assert table.splitlines()[:4] == [
        "| key | type | default | description |",
        "| --- | --- | --- | --- |",
        "| `name` | text | **required** | The chart's heading. |",
        "| `type` | one of `line`, `bar`, `area`, `scatter`, `pie`, `histogram`, `heatmap` | **required** | The kind "
        "of chart: line, bar, area, scatter, pie, histogram or heatmap. |",
    ]
    assert "| `width` | one of `full`, `half` | `full` |" in table


def test_reference_shows_bounds_and_nested_sections() -> None:
    text = reference.render()

    assert "| `max_rows` | whole number ≥ 1, ≤ 50000 | `200` |" in text
    assert "| `charts` | list of mappings (see `charts[]`) | `[]` |" in text
    assert "| `freshness` | mapping (see `checks[].freshness`) | — |" in text


def test_replace_section_keeps_the_rest_of_the_readme() -> None:
    readme = "# Title\n\n<!-- reference:start -->\nold\n<!-- reference:end -->\n\n## After\n"

    assert reference.replace_section(readme, "new\n") == (
        "# Title\n\n<!-- reference:start -->\nnew\n<!-- reference:end -->\n\n## After\n")


def test_report_schema_is_strict_and_documented_for_editors() -> None:
    schema = report_schema()

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["title"]
    assert schema["properties"]["update_frequency"]["enum"] == ["hourly", "daily", "weekly", "monthly", "manual"]
    chart = schema["$defs"]["Chart"]
    assert chart["additionalProperties"] is False
    assert chart["required"] == ["name", "type", "query", "params"]
    assert chart["properties"]["type"]["enum"] == ["line", "bar", "area", "scatter", "pie", "histogram", "heatmap"]
    assert schema["$defs"]["ChartParams"]["required"] == ["x"]  # y: by chart type (not for histograms)
    assert schema["properties"]["data_sources"]["additionalProperties"] is False
    for name, model in [("ReportConfig", ReportConfig), *((n, None) for n in schema["$defs"])]:
        properties = schema["properties"] if model else schema["$defs"][name]["properties"]
        for key, spec in properties.items():
            assert spec.get("description"), f"{name}.{key} has no description"


def test_site_schema_has_only_optional_keys() -> None:
    schema = site_schema()

    assert schema["additionalProperties"] is False
    assert "required" not in schema
    assert schema["title"] == "reportsite site settings"


def test_write_schemas_writes_both_files(tmp_path: Path) -> None:
    written = reference.write_schemas(tmp_path / "schemas")

    assert [p.name for p in written] == ["report.schema.json", "site.schema.json"]
    assert json.loads(written[0].read_text()) == report_schema()
    assert json.loads(written[1].read_text()) == site_schema()


def test_main_prints_the_reference(capsys: pytest.CaptureFixture[str]) -> None:
    assert reference.main([]) == 0

    assert capsys.readouterr().out == reference.render() + "\n"


def test_committed_editor_schemas_are_current():
    import json

    from reportsite.config.project import report_schema, site_schema

    folder = Path(__file__).resolve().parents[2] / "site_src" / "schema"
    for name, schema in (("report.schema.json", report_schema()), ("site.schema.json", site_schema())):
        assert json.loads((folder / name).read_text()) == schema, (
            f"site_src/schema/{name} is out of date; run: .venv/bin/python -m reportsite.config.reference --schemas "
            "site_src/schema")
