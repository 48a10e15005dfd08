"""Imported by the fork server before it starts any unit worker (``workers.preloads``), so every worker starts
with it done: the libraries a unit's first blocks would import for themselves (number and date formats, Arrow's
compute functions; about 0.1 s a worker, paid once here while the build's own set-up and queries run)."""

from __future__ import annotations

import importlib

READY = ("babel.dates", "babel.numbers", "pyarrow.compute")

for name in READY:
    importlib.import_module(name)
