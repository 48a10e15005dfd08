"""reportsite: a static reports website built from YAML, Parquet (local or S3), DuckDB and Altair."""

__version__ = "0.1.0"
