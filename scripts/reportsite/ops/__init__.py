"""Running the site: which reports a scheduled run rebuilds, the month's bill, messages to a webhook, the
set-up check (``init``) and the demo data.

Layer: ops. May import ``build`` and everything below it.
"""
