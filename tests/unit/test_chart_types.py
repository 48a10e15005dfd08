"""charts.registry: a chart type is one module that registers itself; nothing else names it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import altair as alt
import pyarrow as pa
import pytest

from reportsite.charts import registry, vega_lite
from reportsite.charts.builder import Builder
from reportsite.charts.describe import Facts
from reportsite.config import chart_rules
from reportsite.config.models import Chart
from reportsite.pages.chart_text import summary
from reportsite.values.formats import Formats


def draw_dots(builder: Builder) -> registry.Layers:
    """A throwaway type: one tick per row along a time axis, coloured by series."""
    x, y = builder.column(builder.params.x), builder.column(builder.params.y)
    encoding: dict[str, Any] = {"x": builder.time_axis(x, banded=False),
                                "y": builder.value_axis(y, zero_default=True, axis_name="y"),
                                "tooltip": builder.tooltips()}
    series = builder.col(builder.params.color)
    if series:
        encoding["color"] = builder.color(series)
    return [{"mark": {"type": "tick", "thickness": 2}, "encoding": encoding}], {"height": 200}


def describe_dots(facts: Facts) -> str:
    return f"{facts.kind}: {facts.count} ticks of {facts.y_title}."


@pytest.fixture
def dots(monkeypatch: pytest.MonkeyPatch) -> registry.ChartKind:
    monkeypatch.setattr(registry, "KINDS", dict(registry.KINDS))  # registered for this test only
    return registry.register(registry.ChartKind("dots", "Tick chart", draw_dots, describe_dots))


def dots_chart() -> Chart:
    chart = Chart.model_validate({"name": "Ticks", "type": "line", "query": "SELECT 1",
                                  "params": {"x": "day", "y": "sales", "color": "region"}})
    return chart.model_copy(update={"type": "dots"})  # the report schema knows only config.chart_rules' types


def test_a_chart_type_registered_from_one_module_is_drawn(dots: registry.ChartKind) -> None:
    table = pa.table({"day": [dt.date(2025, 1, d) for d in (1, 2, 3)], "sales": [3.0, 5.0, 4.0],
                      "region": ["North", "South", "North"]})
    spec = vega_lite(dots_chart(), table)
    alt.Chart.from_dict(spec)  # valid Vega-Lite
    assert spec["mark"] == {"type": "tick", "thickness": 2}
    assert spec["height"] == 200
    assert spec["encoding"]["x"]["type"] == "temporal"
    assert spec["encoding"]["color"]["scale"]["domain"] == ["North", "South"]
    assert [row["sales"] for row in spec["data"]["values"]] == [3.0, 5.0, 4.0]
    assert "ticks" in spec["usermeta"]["reportsite"]  # the shared time axis told the page script its ticks
    assert summary(dots_chart(), table, Formats("en-US"), {}) == "Tick chart: 3 ticks of sales."


def test_a_name_registers_once(dots: registry.ChartKind) -> None:
    with pytest.raises(ValueError, match="chart type 'dots' is registered twice"):
        registry.register(dots)


def test_an_unknown_type_is_named() -> None:
    with pytest.raises(ValueError, match="no chart type 'radar' is registered"):
        registry.kind_of("radar")


def test_the_config_and_the_registry_know_the_same_types() -> None:
    assert set(registry.KINDS) == set(chart_rules.NAMES)


def test_the_dark_theme_is_defined_beside_the_light_one() -> None:
    from reportsite.charts.theme import dark_config, light_config

    dark = dark_config()
    assert dark == {  # what the page script used to hold as its own table
        "axis": {"labelColor": "#cbd5e1", "titleColor": "#e2e8f0", "gridColor": "#334155", "domainColor": "#475569",
                 "tickColor": "#475569"},
        "legend": {"labelColor": "#cbd5e1", "titleColor": "#e2e8f0"},
        "title": {"color": "#f1f5f9"}, "text": {"color": "#e2e8f0"}, "arc": {"stroke": "#0f172a"},
        "rect": {"stroke": "#0f172a"}}
    light = light_config("#2563eb")
    assert all(set(dark[key]) <= set(light[key]) | {"stroke"} for key in dark)  # it overrides, never adds keys
    script = (Path(__file__).resolve().parents[2] / "site_src" / "static" / "site.js").read_text(encoding="utf-8")
    assert "#cbd5e1" not in script and "var DARK" not in script  # the page reads it (#vega-locale's "dark")
