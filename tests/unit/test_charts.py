"""charts: chart spec + Arrow table → Vega-Lite (pure)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pyarrow as pa
import pytest

from reportsite.charts import column_kind, json_value, vega_lite
from reportsite.config import Chart

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "golden"


def chart(**kw) -> Chart:
    base = {"name": "Sales Evolution", "type": "line", "query": "SELECT 1",
            "params": {"x": "date", "y": "sales", "title": "Monthly Sales"}}
    base.update(kw)
    return Chart.model_validate(base)


def sales_table() -> pa.Table:
    return pa.table({
        "date": [dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)],
        "sales": [100.5, 200.25, 150.0],
        "region": ["North", "South", "North"],
    })


def test_line_chart_matches_golden_snapshot():
    spec = vega_lite(chart(), sales_table())
    golden = GOLDEN / "sales_line.vl.json"
    if os.environ.get("REPORTSITE_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(spec, indent=2, sort_keys=True) + "\n")
    assert spec == json.loads(golden.read_text()), (
        "Vega-Lite spec changed; if on purpose, regenerate with REPORTSITE_UPDATE_GOLDEN=1 pytest tests/unit")


def test_spec_is_valid_vega_lite_with_temporal_x_tooltips_and_title():
    import altair as alt

    spec = vega_lite(chart(), sales_table())
    alt.Chart.from_dict(spec)  # validates against the Vega-Lite schema; raises if invalid
    assert spec["encoding"]["x"]["type"] == "temporal"
    assert spec["encoding"]["y"]["type"] == "quantitative"
    assert [t["field"] for t in spec["encoding"]["tooltip"]] == ["date", "sales"]
    assert spec["title"] == "Monthly Sales"
    assert spec["width"] == "container"
    assert spec["data"]["values"][0] == {"date": "2025-01-01", "sales": 100.5}


def test_title_defaults_to_chart_name():
    spec = vega_lite(chart(params={"x": "date", "y": "sales"}), sales_table())
    assert spec["title"] == "Sales Evolution"


@pytest.mark.parametrize("kind", ["line", "bar", "area", "scatter", "pie"])
def test_every_chart_type_gives_a_valid_spec(kind):
    import altair as alt

    spec = vega_lite(chart(type=kind, params={"x": "region", "y": "sales", "color": None}), sales_table())
    alt.Chart.from_dict(spec)
    mark = spec["mark"]["type"] if isinstance(spec["mark"], dict) else spec["mark"]
    assert mark == {"line": "line", "bar": "bar", "area": "area", "scatter": "circle", "pie": "arc"}[kind]


def test_color_splits_series_and_bars_stack():
    spec = vega_lite(chart(type="bar", params={"x": "date", "y": "sales", "color": "region"}), sales_table())
    assert spec["encoding"]["color"]["field"] == "region"
    assert spec["encoding"]["y"]["stack"] == "zero"


def test_column_kinds_and_json_values():
    assert column_kind(pa.date32()) == "temporal"
    assert column_kind(pa.timestamp("us")) == "temporal"
    assert column_kind(pa.decimal128(10, 2)) == "quantitative"
    assert column_kind(pa.string()) == "nominal"
    assert json_value(float("nan")) is None
    import decimal

    assert json_value(decimal.Decimal("75942")) == 75942 and isinstance(json_value(decimal.Decimal("75942")), int)
    assert json_value(decimal.Decimal("74.50")) == 74.5
    assert json_value(dt.datetime(2025, 1, 2, 3, 4)) == "2025-01-02T03:04:00"


def test_hostile_values_stay_data():
    table = pa.table({"name": ["</script><script>alert(1)</script>"], "n": [1]})
    spec = vega_lite(chart(type="bar", params={"x": "name", "y": "n"}), table)
    assert spec["data"]["values"][0]["name"] == "</script><script>alert(1)</script>"


def test_nested_and_interval_values_become_plain_json():
    import pyarrow as pa

    table = pa.table({"m": pa.array([[("k", 1)]], pa.map_(pa.string(), pa.int64())),
                      "i": pa.array([pa.MonthDayNano([1, 3, 7_200_000_000_000])], pa.month_day_nano_interval()),
                      "l": [[1, 2]], "s": [{"a": dt.date(2025, 1, 1)}]})
    row = {c: json_value(table.column(c).to_pylist()[0]) for c in table.column_names}
    assert row == {"m": {"k": 1}, "i": "1 month 3 days 2:00:00", "l": [1, 2], "s": {"a": "2025-01-01"}}
    json.dumps(row)


def test_columns_vega_would_misread_get_plain_field_names_and_keep_their_titles():
    table = pa.table({"it's \"q\"": ["a", "b"], "a.b[0]\\c": [1, 2], "constructor": ["x", "y"]})
    spec = vega_lite(chart(type="bar", params={"x": "it's \"q\"", "y": "a.b[0]\\c", "color": "constructor"}), table)

    encoding = spec["encoding"]
    assert [encoding[k]["field"] for k in ("x", "y", "color")] == ["field_1", "field_2", "field_3"]
    assert [encoding[k]["title"] for k in ("x", "y")] == ["it's \"q\"", "a.b[0]\\c"]
    assert encoding["color"]["title"] == "constructor\u2060"  # drawn as 'constructor'
    assert spec["data"]["values"] == [{"field_1": "a", "field_2": 1, "field_3": "x"},
                                      {"field_1": "b", "field_2": 2, "field_3": "y"}]


def test_plain_column_names_stay_as_they_are():
    from reportsite.charts import field_names

    assert field_names(["date", "Revenue (USD)", "order count", "zürich", "field_2", "x-y"]) == {
        "date": "date", "Revenue (USD)": "Revenue (USD)", "order count": "order count", "zürich": "zürich",
        "field_2": "field_2", "x-y": "x-y"}
