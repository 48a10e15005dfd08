"""Every query of the demo, the fixtures and the test projects, run in one pass and once per value: the same rows.

For each report, the bindings are the ones its pages use: each for_each value, each combination of its filters'
choices (All as NULL, date ranges as pairs); for a query that follows neither, values beside its parameters;
and a query that mentions no value runs as one pass over three copies of one binding (every shape of the
awkward data through the rewrite, its ordering and the split). Both ways run on the same data through the
build's own sessions (``tests.support.one_pass``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from reportsite.config.project import Report, gather_project
from reportsite.errors import Problems
from reportsite.pages import filters as page_filters
from reportsite.query.located import QueryRef, bound_parameters
from reportsite.query.sqltext import statement
from reportsite.values.formats import Formats
from tests.support import awkward_data, explore_data, private_data
from tests.support.one_pass import Compared, both_ways, data_root, session_for, unbound, variants

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 6, 15)
MAX_BINDINGS = 48


def bench_project(root: Path) -> Path:
    import sys

    sys.path.insert(0, str(REPO / "scripts"))
    import bench_onepass

    bench_onepass.write_sales(root / "data", 40, 40_000)
    return bench_onepass.project(root / "bench", root / "data", {
        "stores": bench_onepass.FAMILY.replace("{limit}", ""), "sales": bench_onepass.FILTERED,
        "unfiltered": bench_onepass.UNFILTERED})


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory, sample_data: Path) -> dict[str, Path]:
    """The demo over the sample data, the awkward project, the explore and private test projects, the bench's."""
    work = tmp_path_factory.mktemp("one-pass")
    demo = work / "demo"
    shutil.copytree(REPO / "reports", demo / "reports")
    shutil.copytree(REPO / "site_src", demo / "site_src")
    site = (REPO / "site_src" / "site.yaml").read_text(encoding="utf-8")
    site = re.sub(r"(?m)^data_root:.*$", f'data_root: "{sample_data}"', site)
    (demo / "site_src" / "site.yaml").write_text(site, encoding="utf-8")
    return {
        "demo": demo,
        "awkward": awkward_data.make_project(work / "awkward"),
        "explore": explore_data.make_project(work / "explore", explore_data.write_data(work / "explore-data").parent),
        "private": private_data.make_project(work / "private", private_data.write_data(work / "private-data").parent),
        "bench": bench_project(work),
    }


def page_bindings(report: Report, session: Any, formats: Formats) -> list[dict[str, Any]]:
    """The bindings the report's pages and choices use (at most MAX_BINDINGS, spread over all of them)."""
    config = report.config
    pages: list[dict[str, Any]] = [{}]
    if config.for_each is not None:
        ref = QueryRef(report, ("for_each", "query"), "for_each query")
        values = session.fetch(ref, config.parameters, 50).column(0).to_pylist()
        pages = [{config.for_each.parameter: v} for v in values if v is not None][:12]
    filters = page_filters.resolve(session, report, formats, TODAY, Problems()) if config.filters else []
    choices = [[c.binds for c in f.choices] for f in filters]
    found = []
    for page in pages:
        for picked in itertools.product(*choices):
            binding = dict(page)
            for binds in picked:
                binding.update(binds)
            found.append(binding)
    step = max(1, len(found) // MAX_BINDINGS)
    return found[::step][:MAX_BINDINGS]


def query_bindings(report: Report, ref: QueryRef, pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bindings of one query: the pages' of the names it mentions, else values beside its parameters."""
    names = bound_parameters(statement(ref.sql), report.bindable(), ref)
    chosen = [n for n in names if any(n in page for page in pages)]
    base = {n: report.config.parameters[n] for n in names if n in report.config.parameters}
    if chosen:
        return [{**base, **{n: page[n] for n in names if n in page}} for page in pages]
    if not base:
        return []
    choices = [[(n, v) for v in variants(value)] for n, value in base.items()]
    return [dict(picked) for picked in itertools.islice(itertools.product(*choices), MAX_BINDINGS)]


def compare_report(report: Report, root: Path) -> list[Compared]:
    project_root = data_root(root)
    one_pass, plain = session_for(report, project_root), session_for(report, project_root)
    formats = Formats()
    try:
        pages = page_bindings(report, plain, formats)
        found = []
        config = report.config
        items = [(("metrics", i, "query"), f"metric '{m.name}'", 1, False) for i, m in enumerate(config.metrics)]
        items += [(("charts", i, "query"), f"chart '{c.name}'", 5000, False) for i, c in enumerate(config.charts)]
        items += [(("tables", i, "query"), f"table '{t.name}'", None, True) for i, t in enumerate(config.tables)]
        for path, label, limit, stream in items:
            ref = QueryRef(report, path, label)
            bindings = query_bindings(report, ref, pages)
            if len(bindings) > 1:
                found.append(both_ways(one_pass, plain, ref, bindings, stream, limit))
            elif not bound_parameters(statement(ref.sql), report.bindable(), ref):
                found.append(unbound(one_pass, plain, ref))
        return found
    finally:
        one_pass.close()
        plain.close()


@pytest.mark.parametrize("name", ["demo", "awkward", "explore", "private", "bench"])
def test_every_query_gives_the_same_rows_in_one_pass_as_once_per_value(projects: dict[str, Path], name: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    root = projects[name]
    for variable, password in private_data.PASSWORDS.items():
        monkeypatch.setenv(variable, password)
    project, errors = gather_project(root)
    assert not errors
    compared = [c for report in project.reports for c in compare_report(report, root)]
    assert compared, f"{name}: no query runs for several values"
    mismatches = [f"{c.label}: {m}" for c in compared for m in c.mismatches]
    assert mismatches == []
    batched = [c for c in compared if c.batched]
    fell_back = {c.label: c.notes for c in compared if not c.batched}
    assert len(batched) >= len(compared) * 0.8, f"queries that did not run in one pass: {fell_back}"
