"""Data sources: local and S3 Parquet/CSV files, Excel workbooks and Python loaders, resolved to files and
registered as DuckDB tables; S3 columns planned from the queries, copied once per change into a bounded
cache, or streamed.

Layer: data, above ``query`` (planning the S3 columns runs DuckDB's EXPLAIN on the locked connection). May
import ``query``, ``config``, ``values`` and the base modules.
"""
