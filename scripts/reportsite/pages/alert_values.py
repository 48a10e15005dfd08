"""The numbers a report's ``alerts`` test, read while the report is built (where the data is).

A metric alert reads the metric card of the page as it opens (value, or change against the previous value);
a query alert runs its query with the report's parameters (``rows``: how many rows, ``value``: the first
row's ``value`` column). Each observation records whether its condition holds; ``ops.alerts`` compares that
with what it last told people and sends only when it changed.
"""

from __future__ import annotations

from typing import Any

from reportsite.config.project import Report
from reportsite.config.site_models import SiteConfig
from reportsite.errors import Problems, QueryError
from reportsite.pages.page import ReportPage
from reportsite.query import located
from reportsite.query.session import Session
from reportsite.values.conditions import change_of
from reportsite.values.formats import Formats


def _number(value: Any) -> float | None:
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None


def observe(session: Session, report: Report, site: SiteConfig, page: ReportPage,
            problems: Problems) -> list[dict[str, Any]]:
    """One record per alert: what it tested, the number seen (and as shown), the threshold, and whether it holds."""
    formats, config, found = Formats.of(site, report.config.currency), report.config, []
    for index, alert in enumerate(config.alerts):
        condition = alert.condition
        observed: float | None = None
        shown, threshold = "—", condition.threshold_text
        if alert.metric is not None:
            position = next((i for i, m in enumerate(config.metrics) if m.name == alert.metric), None)
            card = next((c for c in page.metrics if position is not None and c.id == f"metric-{position + 1}"), None)
            kind = config.metrics[position].format if position is not None else "number"
            if card is not None and condition.measure == "value":
                observed, shown = _number(card.value), card.exact
                threshold = condition.threshold_text if condition.percent and kind != "percent" \
                    else formats.value(condition.threshold, kind)
            elif card is not None:
                observed = change_of(_number(card.value), _number(card.previous))
                shown = card.change.text if card.change else "—"
                if observed is not None:
                    shown = formats.words.gettext(
                        "%(change)s (%(value)s, previously %(previous)s)", value=card.exact,
                        change=("+" if observed >= 0 else "") + formats.percent(observed, 1, 1),
                        previous=card.previous_shown)
        else:
            ref = located.QueryRef(report, ("alerts", index, "query"), f"alert '{alert.label()}'")
            try:
                table = session.fetch(ref, dict(config.parameters))
            except QueryError as exc:
                problems.extend(exc.problems)
                continue
            if condition.measure == "rows":
                observed = float(table.num_rows)
                shown = formats.number(table.num_rows)
            elif "value" not in table.column_names:
                problems.add(located.locate(ref, f"{ref.label}: the query must return a column named 'value' "
                                                    f"to test {condition.text} (columns: "
                                                    f"{', '.join(table.column_names)}); add 'AS value'"))
                continue
            else:
                first = table.slice(0, 1).to_pylist()[0] if table.num_rows else {}
                observed = _number(first.get("value"))
                shown = formats.value(first.get("value"), "number")
        found.append({
            "key": f"{report.slug}/{alert.label()}",
            "name": alert.label(),
            "subject": alert.metric or "query",
            "condition": condition.text,
            "threshold": threshold,
            "observed": observed,
            "shown": shown,
            "holds": condition.holds(observed),
        })
    return found


__all__ = ["observe"]
