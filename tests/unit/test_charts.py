"""charts: chart spec + Arrow table → Vega-Lite (pure): axes, time, numbers, colours, every chart type."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
from pathlib import Path
from typing import Any

import altair as alt
import pyarrow as pa
import pytest

from reportsite.charts import ChartContext, column_kind, format_locale, page_colors, vega_lite
from reportsite.charts.colors import OTHER, OTHER_COLOR, PALETTE, fold_top
from reportsite.charts.dates import patterns, time_format_locale
from reportsite.config.models import Chart
from reportsite.values.jsonvalues import json_value
from reportsite.values.timevalues import chart_instant, grain

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "golden"
JAN_1_2025 = 1735689600000


def chart(**kw: Any) -> Chart:
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


def valid(spec: dict[str, Any]) -> dict[str, Any]:
    """Validate against the Vega-Lite schema (Altair raises if the spec is not valid)."""
    (alt.LayerChart if "layer" in spec else alt.Chart).from_dict(spec)
    return spec


def layer_encodings(spec: dict[str, Any]) -> list[dict[str, Any]]:
    found = [spec["encoding"]] if "encoding" in spec else []
    for layer in spec.get("layer", []):
        found += layer_encodings(layer)
    return found


def test_line_chart_matches_golden_snapshot() -> None:
    spec = vega_lite(chart(), sales_table())
    golden = GOLDEN / "sales_line.vl.json"
    if os.environ.get("REPORTSITE_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    assert spec == json.loads(golden.read_text()), (
        "Vega-Lite spec changed; if on purpose, regenerate with REPORTSITE_UPDATE_GOLDEN=1 pytest tests/unit")


# ---------------------------------------------------------------- time


def test_dates_are_instants_formatted_as_utc_so_tooltips_never_read_nan() -> None:
    spec = valid(vega_lite(chart(), sales_table()))

    assert spec["data"]["values"][0] == {"date": JAN_1_2025, "sales": 100.5}
    assert spec["encoding"]["x"]["scale"] == {"type": "utc"}
    tip = next(t for t in spec["encoding"]["tooltip"] if t["field"] == "date")
    assert tip["format"] == "%B %Y"  # monthly data: 'January 2025'
    assert tip["timeUnit"] == {"unit": "yearmonth", "utc": True}  # formatted with Vega's UTC functions


def test_instants_show_the_site_zone_and_naive_times_stay_as_written() -> None:
    instant = dt.datetime(2013, 1, 1, 6, tzinfo=dt.UTC)

    assert chart_instant(instant, "Europe/Zurich") == chart_instant(dt.datetime(2013, 1, 1, 7), "UTC")
    assert chart_instant(dt.datetime(2013, 1, 1, 6), "Europe/Zurich") == chart_instant(dt.datetime(2013, 1, 1, 6),
                                                                                         "UTC")
    assert chart_instant(dt.date(2025, 1, 1), "America/Los_Angeles") == JAN_1_2025  # a date never moves


@pytest.mark.parametrize(("values", "expected"), [
    ([dt.date(2025, m, 1) for m in range(1, 13)], "month"),
    ([dt.date(2024, 1, 1), dt.date(2025, 1, 1)], "year"),
    ([dt.date(2025, 1, 1), dt.date(2025, 4, 1), dt.date(2025, 7, 1)], "quarter"),
    ([dt.date(2025, 1, 6), dt.date(2025, 1, 13), dt.date(2025, 1, 20)], "week"),
    ([dt.date(2025, 1, d) for d in range(1, 30)], "day"),
    ([dt.datetime(2025, 3, 1, h) for h in range(24)], "hour"),
    ([dt.date(2025, 6, 1)], "day"),
])
def test_the_grain_of_time_data(values: list[Any], expected: str) -> None:
    assert grain(values) == expected


def ticks(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec["usermeta"]["reportsite"]["ticks"]


def test_monthly_data_gets_month_ticks_and_the_year_where_it_changes() -> None:
    months = [dt.date(2023, 3, 1) + dt.timedelta(days=31 * i) for i in range(34)]
    table = pa.table({"month": [d.replace(day=1) for d in months], "revenue": [float(i) for i in range(34)]})

    spec = valid(vega_lite(chart(params={"x": "month", "y": "revenue"}), table))

    first = ticks(spec)[0]
    assert (first["interval"], first["step"]) == ("month", 1)
    assert [t["interval"] for t in ticks(spec)].count("day") == 0  # never finer than the data
    assert "utcmonth(datum.value) < 1" in first["labelExpr"] and "'%Y'" in first["labelExpr"]
    assert spec["encoding"]["x"]["axis"]["tickCount"] == {"interval": "month", "step": 1}


def test_a_single_year_shows_its_year_on_the_first_tick() -> None:
    table = pa.table({"month": [dt.date(2024, m, 1) for m in range(1, 13)], "revenue": [1.0] * 12})

    spec = vega_lite(chart(params={"x": "month", "y": "revenue"}), table)

    assert all("datum.index == 0" in t["labelExpr"] for t in ticks(spec) if t["interval"] != "year")


def test_a_week_of_hourly_data_shows_the_dates_under_the_hours() -> None:
    table = pa.table({"ts": [dt.datetime(2025, 3, 1) + dt.timedelta(hours=h) for h in range(168)],
                      "temp": [float(h % 24) for h in range(168)]})

    spec = valid(vega_lite(chart(params={"x": "ts", "y": "temp"}), table))

    first = ticks(spec)[0]
    assert (first["interval"], first["step"], first["count"]) == ("hour", 1, 168)
    assert "'%b %-d'" in first["labelExpr"]
    assert {t["interval"] for t in ticks(spec)} >= {"hour", "day", "week"}


def test_dates_follow_the_locale() -> None:
    assert patterns("de-DE").full_day == "%-d. %b %Y"
    assert patterns("en-US").clock == "%-I:%M %p" and patterns("de-CH").clock == "%H:%M"
    assert time_format_locale("de-DE")["shortMonths"][2] == "Mär"
    assert time_format_locale("fr-CH")["days"][0] == "dimanche"


def test_bars_on_a_time_axis_are_bands_of_the_grain() -> None:
    spec = valid(vega_lite(chart(type="bar"), sales_table()))

    x, x2 = spec["encoding"]["x"], spec["encoding"]["x2"]
    assert (x["field"], x2["field"]) == ("date__from", "date__to")
    assert x["scale"]["domain"] == [JAN_1_2025, JAN_1_2025 + 90 * 86400000]  # Jan 1 to Apr 1
    day = 86400000
    first = spec["data"]["values"][0]
    january = (first["date__from"], first["date__to"])
    assert january == (JAN_1_2025 + round(31 * day * 0.07), JAN_1_2025 + 31 * day - round(31 * day * 0.07))
    assert "bars" not in spec["usermeta"]["reportsite"]  # two ends: nothing for the page script to size
    tip = next(t for t in spec["encoding"]["tooltip"] if t["title"] == "date")
    assert tip["field"] == "date"  # the tooltip names the month itself


# ---------------------------------------------------------------- value axes and numbers


@pytest.mark.parametrize(("kind", "zero"), [("line", False), ("scatter", False), ("bar", True), ("area", True)])
def test_zero_baseline_only_where_the_mark_needs_it(kind: str, zero: bool) -> None:
    spec = valid(vega_lite(chart(type=kind), sales_table()))

    assert spec["encoding"]["y"]["scale"]["zero"] is zero


def test_zero_and_log_can_be_set() -> None:
    table = pa.table({"x": [1.0, 10.0, 1000.0], "y": [0.001, 0.5, 20.0]})

    spec = valid(vega_lite(chart(type="scatter", params={"x": "x", "y": "y", "zero": True, "log": ["x", "y"]}),
                           table))
    forced = vega_lite(chart(type="line", params={"x": "x", "y": "y", "zero": True}), table)

    assert spec["encoding"]["x"]["scale"] == {"type": "log"} and spec["encoding"]["y"]["scale"] == {"type": "log"}
    assert forced["encoding"]["y"]["scale"]["zero"] is True


def test_scatter_axes_follow_the_data_and_years_print_plain() -> None:
    table = pa.table({"year_built": pa.array([1956, 1980, 2013], pa.int32()), "floor_area": [120.0, 2200.0, 800.0]})

    spec = valid(vega_lite(chart(type="scatter", params={"x": "year_built", "y": "floor_area"}), table))

    x = spec["encoding"]["x"]
    assert x["scale"]["zero"] is False
    assert x["axis"]["labelExpr"] == "(datum.value < 0 ? '\u2212' : '') + (format(abs(datum.value), 'd'))" or \
        "'d'" in x["axis"]["labelExpr"]
    assert next(t for t in spec["encoding"]["tooltip"] if t["field"] == "year_built")["format"] == "d"


def test_ids_and_small_whole_numbers_along_bars_are_categories() -> None:
    table = pa.table({"customer_id": pa.array([1141, 1142, 1143], pa.int64()), "sales": [1.0, 2.0, 3.0]})

    spec = valid(vega_lite(chart(type="bar", params={"x": "customer_id", "y": "sales"}), table))

    assert spec["encoding"]["x"]["type"] == "ordinal"
    assert spec["encoding"]["x"]["axis"]["labelExpr"] == "format(datum.value, 'd')"  # 1141, never 1,141


def test_currency_axes_use_the_site_currency_and_locale() -> None:
    assert format_locale("en-US", "CHF")["currency"] == ["CHF\u00a0", ""]
    assert format_locale("de-DE", "EUR") == {"decimal": ",", "thousands": ".", "grouping": [3],
                                             "currency": ["", "\u00a0€"], "minus": "\u2212", "percent": "%"}
    spec = vega_lite(chart(type="bar", params={"x": "region", "y": "sales", "y_format": "currency"}),
                     sales_table(), ChartContext(locale="de-DE", currency="EUR"))
    label = spec["encoding"]["y"]["axis"]["labelExpr"]
    assert "'\u00a0Mio.'" in label and "'\u00a0€'" in label and "'$,.4~r'" in label
    assert "$" not in label.replace("'$,.4~r'", "")


def test_tooltips_keep_the_digits_that_matter() -> None:
    table = pa.table({"k": ["a", "b"], "tiny": [0.000123, 0.5], "huge": [58109334713905.0, 1.0]})

    tiny = vega_lite(chart(type="bar", params={"x": "k", "y": "tiny"}), table)
    huge = vega_lite(chart(type="bar", params={"x": "k", "y": "huge", "y_format": "currency"}), table)

    assert next(t for t in tiny["encoding"]["tooltip"] if t["field"] == "tiny")["format"] == ",.6~f"
    assert next(t for t in huge["encoding"]["tooltip"] if t["field"] == "huge")["format"] == "$,.0f"


# ---------------------------------------------------------------- layout


def test_long_labels_or_many_categories_turn_bars_horizontal() -> None:
    long = pa.table({"product": ["A product with a very long descriptive name", "B"], "n": [1, 2]})
    many = pa.table({"k": [f"c{i}" for i in range(12)], "n": list(range(12))})
    few = pa.table({"k": ["a", "b", "c"], "n": [1, 2, 3]})

    horizontal = valid(vega_lite(chart(type="bar", params={"x": "product", "y": "n"}), long))
    assert horizontal["encoding"]["y"]["field"] == "product" and horizontal["encoding"]["x"]["field"] == "n"
    assert horizontal["encoding"]["y"]["axis"]["labelLimit"] == 150  # truncated with an ellipsis
    assert vega_lite(chart(type="bar", params={"x": "k", "y": "n"}), many)["encoding"]["y"]["field"] == "k"
    assert vega_lite(chart(type="bar", params={"x": "k", "y": "n"}), few)["encoding"]["x"]["field"] == "k"
    forced = vega_lite(chart(type="bar", params={"x": "k", "y": "n", "horizontal": True}), few)
    assert forced["encoding"]["y"]["field"] == "k"


def test_dense_lines_draw_no_point_markers() -> None:
    dense = pa.table({"t": [dt.datetime(2025, 1, 1) + dt.timedelta(hours=h) for h in range(8759)],
                      "v": [float(h) for h in range(8759)]})

    assert "point" not in vega_lite(chart(params={"x": "t", "y": "v"}), dense)["mark"]
    assert vega_lite(chart(), sales_table())["mark"]["point"]


def test_the_legend_sits_below_and_wraps() -> None:
    spec = vega_lite(chart(params={"x": "date", "y": "sales", "color": "region"}), sales_table())

    assert spec["config"]["legend"]["orient"] == "bottom"
    assert spec["usermeta"]["reportsite"]["legend"] == {"count": 2, "longest": 5}


# ---------------------------------------------------------------- colours


def test_one_category_keeps_one_colour_across_a_page() -> None:
    colors = page_colors(["North", "South", "East", "North", "West"], "#123456")
    context = ChartContext(colors=colors, primary_color="#123456")
    bar = vega_lite(chart(type="bar", params={"x": "date", "y": "sales", "color": "region"}), sales_table(), context)
    other = pa.table({"region": ["West", "North"], "n": [1, 2]})
    pie = vega_lite(chart(type="pie", params={"x": "region", "y": "n"}), other, context)

    def mapping(encoding: dict[str, Any]) -> dict[str, str]:
        scale = encoding["color"]["scale"]
        return dict(zip(scale["domain"], scale["range"], strict=True))

    assert colors["North"] == "#123456"  # the site's primary colour first
    assert mapping(bar["encoding"])["North"] == mapping(pie["encoding"])["North"] == "#123456"
    assert mapping(pie["encoding"])["West"] == colors["West"] != colors["North"]


@pytest.mark.parametrize("primary", ["#2563eb", "#b91c1c", "#0f766e", "#7c3aed", "#f59e0b", "#111827", "#fde047",
                                     "#ec4899"])
def test_palette_colours_stay_apart_from_each_other_the_brand_and_the_background_in_both_themes(primary: str) -> None:
    from reportsite.charts import palette
    from reportsite.values.brand import contrast

    pairs = palette.pairs(primary)
    assert len(pairs) == palette.SIZE
    for theme, background in ((0, palette.LIGHT_BACKGROUND), (1, palette.DARK_BACKGROUND)):
        colors = [pair[theme] for pair in pairs]
        for first, second in itertools.combinations([*colors, palette.OTHER_COLOR], 2):
            assert palette.difference(first, second) >= palette.FALLBACK_DISTINCT, (primary, theme, first, second)
        assert all(contrast(c, background) >= palette.BACKGROUND_CONTRAST for c in colors), (primary, theme)


def test_a_red_brand_keeps_red_500_out_of_its_palette() -> None:
    from reportsite.charts import palette

    assert "#ef4444" not in palette.light("#b91c1c")  # the two pie slices that looked alike
    assert palette.difference("#b91c1c", "#ef4444") < palette.BRAND_DISTINCT


def test_one_chart_never_gives_two_categories_the_same_colour() -> None:
    colors = page_colors([f"series {i}" for i in range(30)], PALETTE[0])
    scale = vega_lite(chart(type="bar", params={"x": "x", "y": "y", "color": "s"}),
                      pa.table({"x": ["a"] * 12, "y": list(range(12)), "s": [f"series {i}" for i in range(18, 30)]}),
                      ChartContext(colors=colors))["encoding"]["color"]["scale"]
    assert len(set(scale["range"])) == len(scale["domain"]) == 12


def test_top_n_folds_the_rest_into_other() -> None:
    table = pa.table({"city": ["a", "b", "c", "d", "e"], "sales": [50, 40, 30, 2, 1]})

    folded = fold_top(table, "city", "sales", 3)
    spec = vega_lite(chart(type="pie", params={"x": "city", "y": "sales", "top": 3}), table)

    assert folded.to_pydict() == {"city": ["a", "b", "c", OTHER], "sales": [50, 40, 30, 3]}
    assert dict(zip(spec["encoding"]["color"]["scale"]["domain"], spec["encoding"]["color"]["scale"]["range"],
                    strict=True))[OTHER] == OTHER_COLOR


def test_top_n_of_series_folds_per_x_value() -> None:
    table = pa.table({"year": [2024, 2024, 2024, 2025, 2025, 2025], "s": ["a", "b", "c", "a", "b", "c"],
                      "v": [10.0, 5.0, 1.0, 11.0, 6.0, 2.0]})

    spec = vega_lite(chart(type="line", params={"x": "year", "y": "v", "color": "s", "top": 1}), table)

    rows = sorted((r["year"], r["s"], r["v"]) for r in spec["data"]["values"])
    assert rows == [(2024, "Other", 6.0), (2024, "a", 10.0), (2025, "Other", 8.0), (2025, "a", 11.0)]


# ---------------------------------------------------------------- chart types and options


@pytest.mark.parametrize("kind", ["line", "bar", "area", "scatter", "pie"])
def test_every_basic_chart_type_gives_a_valid_spec(kind: str) -> None:
    spec = valid(vega_lite(chart(type=kind, params={"x": "region", "y": "sales"}), sales_table()))
    mark = spec["mark"]["type"] if isinstance(spec["mark"], dict) else spec["mark"]
    assert mark == {"line": "line", "bar": "bar", "area": "area", "scatter": "circle", "pie": "arc"}[kind]


def test_histogram_counts_values_in_bins() -> None:
    table = pa.table({"revenue": [float(v) for v in range(100)]})

    spec = valid(vega_lite(chart(type="histogram", params={"x": "revenue", "bins": 12}), table))

    assert spec["encoding"]["x"]["bin"] == {"maxbins": 12}
    assert spec["encoding"]["y"]["aggregate"] == "count"


def test_heatmap_colours_cells_by_value() -> None:
    table = pa.table({"weekday": ["Mon", "Mon", "Tue"], "hour": [1, 2, 1], "temp": [3.0, 4.0, 5.0]})

    spec = valid(vega_lite(chart(type="heatmap", params={"x": "hour", "y": "weekday", "color": "temp"}), table))

    assert spec["mark"]["type"] == "rect"
    assert spec["encoding"]["color"]["field"] == "temp" and spec["encoding"]["color"]["type"] == "quantitative"


def test_grouped_and_normalized_bars() -> None:
    grouped = valid(vega_lite(chart(type="bar", params={"x": "region", "y": "sales", "color": "region",
                                                        "stack": "grouped"}), sales_table()))
    normalized = valid(vega_lite(chart(type="bar", params={"x": "date", "y": "sales", "color": "region",
                                                           "stack": "normalize"}), sales_table()))

    assert grouped["encoding"]["xOffset"]["field"] == "region" and grouped["encoding"]["y"]["stack"] is None
    assert normalized["encoding"]["y"]["stack"] == "normalize"
    assert "'.0~%'" in normalized["encoding"]["y"]["axis"]["labelExpr"]


def test_a_second_axis_line_over_bars() -> None:
    table = sales_table().append_column("orders", pa.array([3, 4, 5]))

    spec = valid(vega_lite(chart(type="bar", params={"x": "date", "y": "sales", "y2": "orders"}), table))

    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar", "line"]
    assert spec["resolve"] == {"scale": {"y": "independent"}}
    assert spec["layer"][1]["encoding"]["y"]["axis"]["orient"] == "right"


def test_reference_lines_with_labels() -> None:
    spec = valid(vega_lite(chart(params={"x": "date", "y": "sales", "rules": [{"y": 150, "label": "Target"}]}),
                           sales_table()))

    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["line", "rule", "text"]
    assert spec["layer"][1]["encoding"]["y"] == {"datum": 150.0}
    assert spec["layer"][2]["mark"]["text"] == "Target"


def test_extra_tooltip_fields() -> None:
    spec = valid(vega_lite(chart(params={"x": "date", "y": "sales", "tooltip": ["region"]}), sales_table()))

    assert [t["field"] for t in spec["encoding"]["tooltip"]] == ["date", "sales", "region"]
    assert spec["data"]["values"][0]["region"] == "North"


# ---------------------------------------------------------------- values and names


def test_column_kinds_and_json_values() -> None:
    assert column_kind(pa.date32()) == "temporal"
    assert column_kind(pa.timestamp("us")) == "temporal"
    assert column_kind(pa.decimal128(10, 2)) == "quantitative"
    assert column_kind(pa.string()) == "nominal"
    assert json_value(float("nan")) is None
    import decimal

    assert json_value(decimal.Decimal("75942")) == 75942 and isinstance(json_value(decimal.Decimal("75942")), int)
    assert json_value(decimal.Decimal("74.50")) == 74.5
    assert json_value(dt.datetime(2025, 1, 2, 3, 4)) == "2025-01-02T03:04:00"


def test_hostile_values_stay_data() -> None:
    table = pa.table({"name": ["</script><script>alert(1)</script>"], "n": [1]})
    spec = vega_lite(chart(type="bar", params={"x": "name", "y": "n"}), table)
    assert spec["data"]["values"][0]["name"] == "</script><script>alert(1)</script>"


def test_nested_and_interval_values_become_plain_json() -> None:
    table = pa.table({"m": pa.array([[("k", 1)]], pa.map_(pa.string(), pa.int64())),
                      "i": pa.array([pa.MonthDayNano([1, 3, 7_200_000_000_000])], pa.month_day_nano_interval()),
                      "l": [[1, 2]], "s": [{"a": dt.date(2025, 1, 1)}]})
    row = {c: json_value(table.column(c).to_pylist()[0]) for c in table.column_names}
    assert row == {"m": {"k": 1}, "i": "1 month 3 days 2:00:00", "l": [1, 2], "s": {"a": "2025-01-01"}}
    json.dumps(row)


def test_columns_vega_would_misread_get_plain_field_names_and_keep_their_titles() -> None:
    table = pa.table({"it's \"q\"": ["a", "b"], "a.b[0]\\c": [1, 2], "constructor": ["x", "y"]})
    spec = vega_lite(chart(type="bar", params={"x": "it's \"q\"", "y": "a.b[0]\\c", "color": "constructor"}), table)

    encoding = spec["encoding"]
    assert [encoding[k]["field"] for k in ("x", "y", "color")] == ["field_1", "field_2", "field_3"]
    assert [encoding[k]["title"] for k in ("x", "y")] == ["it's \"q\"", "a.b[0]\\c"]
    assert encoding["color"]["title"] == "constructor\u2060"  # drawn as 'constructor'
    assert spec["data"]["values"] == [{"field_1": "a", "field_2": 1, "field_3": "x"},
                                      {"field_1": "b", "field_2": 2, "field_3": "y"}]


def test_plain_column_names_stay_as_they_are() -> None:
    from reportsite.charts import field_names

    assert field_names(["date", "Revenue (USD)", "order count", "zürich", "field_2", "x-y"]) == {
        "date": "date", "Revenue (USD)": "Revenue (USD)", "order count": "order count", "zürich": "zürich",
        "field_2": "field_2", "x-y": "x-y"}
