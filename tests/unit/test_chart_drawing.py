"""Charts as Vega draws them (vl-convert runs the same Vega-Lite and Vega the pages load): every bar stands at
its own place on the axis. A spec can be valid and still draw every bar at the axis's left edge."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pyarrow as pa
import pytest

from reportsite.charts import vega_lite
from reportsite.config.models import Chart


def bar_lefts(spec: dict[str, Any]) -> list[float]:
    import vl_convert

    svg = vl_convert.vegalite_to_svg({**spec, "width": 600, "autosize": {"type": "pad"}})
    return [float(x) for x in re.findall(r'aria-roledescription="bar" d="M([\d.\-]+),', svg)]


MONTHS = [dt.date(2024, m, 1) for m in range(1, 13)]


@pytest.mark.parametrize(("x", "series"), [
    (pa.array(MONTHS, pa.date32()), None),  # bars on a time axis
    (pa.array(MONTHS, pa.date32()), pa.array(["a", "b"] * 6)),  # stacked by series
])
def test_every_bar_stands_at_its_own_place(x: Any, series: Any) -> None:
    columns = {"x": x, "y": pa.array([float(i + 1) for i in range(12)])}
    params: dict[str, Any] = {"x": "x", "y": "y"}
    if series is not None:
        columns["s"], params["color"] = series, "s"
    chart = Chart(name="c", type="bar", query="SELECT 1", params=params)
    lefts = bar_lefts(vega_lite(chart, pa.table(columns)))
    assert len(lefts) == 12
    assert len(set(lefts)) >= (6 if series is not None else 12), lefts


def test_only_category_bars_get_rounded_ends() -> None:
    # Vega-Lite 6.4 draws every rounded bar of a continuous axis at its left edge (the test above fails so)
    def mark(x: Any) -> dict[str, Any]:
        chart = Chart(name="c", type="bar", query="SELECT 1", params={"x": "x", "y": "y"})
        return vega_lite(chart, pa.table({"x": x, "y": pa.array([1.0, 2.0, 3.0])}))["mark"]  # type: ignore[no-any-return]

    assert "cornerRadiusEnd" not in mark(pa.array(MONTHS[:3], pa.date32()))
    assert mark(pa.array(["a", "b", "c"]))["cornerRadiusEnd"] == 2


def test_histogram_bins_stand_apart() -> None:
    chart = Chart(name="h", type="histogram", query="SELECT 1", params={"x": "v"})
    lefts = bar_lefts(vega_lite(chart, pa.table({"v": pa.array([float(i % 50) for i in range(500)])})))
    assert len(set(lefts)) > 5, lefts
