"""Settings: the typed models of ``site_src/site.yaml`` and ``reports/*.yaml``, YAML read with every key's
position, located messages, the price table, what digests and alerts may send where (``delivery_rules``), and the
README reference and JSON Schemas generated from the models.

Layer: config. May import ``values`` and the base modules (``errors``, ``integrity``, ``caches``).
"""
