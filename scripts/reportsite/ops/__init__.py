"""Running the site: which reports a scheduled run rebuilds, the month's bill, messages to a webhook, digests and
alerts after a publish (``deliver``: ``digests``, ``alerts``, ``mail`` through SES, ``delivery_state``), the
set-up check (``init``, ``init_ses``) and the demo data.

Layer: ops. May import ``build`` and everything below it.
"""
