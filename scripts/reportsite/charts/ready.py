"""Imported by the fork server before it starts any unit worker of a report with charts (``workers.preloads``):
Altair, and the chart-spec skeleton made once (``spec.skeleton``; its first spec imports more of Altair's
helpers), so no worker pays for them itself (0.3 s and more a worker)."""

from __future__ import annotations

from reportsite.charts import spec

spec.skeleton(spec.HEIGHT)
