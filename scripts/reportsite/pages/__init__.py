"""What a page shows: each report's items run into metric cards, charts and tables (``items``), once per filter
choice (``slices``, ``filters``) and per value of a family (``family``), links between pages, Markdown text,
notices and freshness; the numbers a report's alerts test (``alert_values``); the page model the templates
receive (``page``).

Layer: pages. May import ``charts``, ``downloads``, ``sources``, ``query``, ``config``, ``values`` and the base
modules.
"""
