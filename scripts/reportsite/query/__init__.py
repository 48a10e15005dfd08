"""Running report SQL: the locked DuckDB (``sandbox``), its memory and threads, the review before anything runs
(``sqlpolicy``), bound parameters and located errors (``located``), the session that runs a report's queries
under a time limit, and the data checks.

Layer: data. May import ``config``, ``values`` and the base modules.
"""
