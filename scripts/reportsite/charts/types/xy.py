"""What line, bar, area and scatter charts share: y against x, series by colour, rules and a second value axis.

Each of those types is a module of its own that gives ``drawer`` its mark and says whether it stands on zero
and stacks, and whether it is made of bars (bars may lie horizontally, fill their time periods and group).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reportsite.charts import palette
from reportsite.charts.builder import Builder
from reportsite.charts.columns import Column
from reportsite.charts.registry import Layers

HORIZONTAL_CATEGORIES = 8  # more bars than this are drawn horizontally
LONG_LABEL = 12  # characters; longer bar labels turn bars horizontal


@dataclass(frozen=True)
class XyStyle:
    """How one y-against-x chart type differs from the others."""

    mark: Callable[[Column, Column | None], dict[str, Any]]  # (x, series) → the Vega-Lite mark
    stacks: bool = False  # its value axis starts at zero and its series stack (bars, areas)
    bars: bool = False  # bars: horizontal with many or long categories, period-wide on time, groupable


def drawer(style: XyStyle) -> Callable[[Any], Layers]:
    """The ``ChartKind.draw`` of a y-against-x type drawn in ``style``."""
    return lambda builder: draw(builder, style)


def draw(self: Builder, style: XyStyle) -> Layers:
    params = self.params
    x, y, series = self.column(params.x), self.column(params.y), self.col(params.color)
    category_x = x.kind in ("nominal", "ordinal")
    horizontal = style.bars and category_x and (params.horizontal if params.horizontal is not None else (
        len({str(v) for v in x.values}) > HORIZONTAL_CATEGORIES
        or max((len(str(v)) for v in x.values), default=0) > LONG_LABEL))
    stack = params.stack or ("stacked" if series else None)
    encoding: dict[str, Any] = {"tooltip": self.tooltips()}
    if x.kind == "temporal":
        position = self.time_axis(x, banded=False)
        if style.bars:
            encoding["x2"] = self.period_bars(x, position)
    elif category_x:
        position = self.category_axis(x, turns=style.bars)
    else:
        position = self.value_axis(x, zero_default=False, axis_name="x")
    value = self.value_axis(y, zero_default=style.stacks, axis_name="y", stack=stack if style.stacks else None)
    if style.stacks and series:
        value["stack"] = {"stacked": "zero", "grouped": None, "normalize": "normalize"}[stack or "stacked"]
    elif style.stacks and params.zero is False:
        value["stack"] = None  # a stack always starts at zero
    if horizontal:  # the title above the labels, whatever their width (the page script sizes them)
        position["axis"].update(labelLimit=150, titleAngle=0, titleAlign="right", titleAnchor="start",
                                titleBaseline="bottom", titleX=0, titleY=-6)
        encoding.update(y=position, x=value)
        self.meta["horizontal"] = True
    else:
        encoding.update(x=position, y=value)
    if series:
        encoding["color"] = self.color(series)
        if style.bars and stack == "grouped":
            encoding["yOffset" if horizontal else "xOffset"] = {"field": series.field, "sort": None}
    layers = [{"mark": style.mark(x, series), "encoding": encoding}, *self.rules(horizontal)]
    extra: dict[str, Any] = {}
    if horizontal:
        count = len({str(v) for v in x.values}) * (len({str(v) for v in series.values}) if series and
                                                   stack == "grouped" else 1)
        extra["height"] = max(160, min(26 * count + 60, 2400))
    if params.y2 and not horizontal:  # the rules share the first value axis; the second line has its own
        layers = [{"layer": layers} if len(layers) > 1 else layers[0], second_axis(self, position)]
        extra["resolve"] = {"scale": {"y": "independent"}}
    return layers, extra


def second_axis(self: Builder, position: dict[str, Any]) -> dict[str, Any]:
    y2 = self.column(self.params.y2)
    axis = self.value_axis(y2, zero_default=True, axis_name="y2")
    axis["axis"].update(orient="right", grid=False)
    color = palette.light(self.ctx.primary_color)[1]
    return {"mark": {"type": "line", "strokeWidth": 2.5, "color": color, "point": {"size": 30, "filled": True,
                                                                                    "color": color}},
            "encoding": {"x": position, "y": axis, "tooltip": self.tooltips()}}


__all__ = ["XyStyle", "draw", "drawer", "second_axis"]
