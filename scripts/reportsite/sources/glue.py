"""Glue tables as data sources (``glue:database.table``), read by Athena only.

The build resolves a Glue table to what its fingerprint needs, cheaply: ``GetTable`` (its version, its update
time and, for an Iceberg table, the metadata file each commit writes) and, for a Hive table, the names, sizes and
ETags of the objects under its location (new files in an existing partition change no table version). An
unchanged table leaves the report's fingerprint unchanged, so an unchanged report submits nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from reportsite.errors import SourceError
from reportsite.sources import registry, s3env, s3list
from reportsite.sources.model import DataFile, Source

PREFIX = "glue:"
NAME = re.compile(r"^glue:([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$")


def is_glue(written: str) -> bool:
    return written.startswith(PREFIX)


def name_of(url: str) -> tuple[str, str]:
    """(database, table) of ``glue:database.table``."""
    found = NAME.match(url)
    assert found is not None
    return found.group(1), found.group(2)


def resolve(table: str, written: str, glue: Any | None = None, s3: Any | None = None) -> Source:
    """The Glue table behind ``written``, with what its fingerprint needs; SourceError if it cannot be read."""
    from botocore.exceptions import BotoCoreError, ClientError

    if not NAME.match(written):
        raise SourceError(f"data source '{written}': a Glue table is written glue:database.table "
                          "(letters, digits, _ and -), e.g. glue:sales_db.orders")
    database, name = name_of(written)
    try:
        found = (glue or s3env.service_client("glue")).get_table(DatabaseName=database, Name=name)["Table"]
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        detail = "no such table in the Glue Data Catalog" if code == "EntityNotFoundException" else \
            f"Glue error {code}: {exc.response.get('Error', {}).get('Message', '')}"
        raise SourceError(f"data source '{written}': {detail}") from None
    except BotoCoreError as exc:
        raise SourceError(f"data source '{written}': Glue cannot be reached ({exc})") from None
    parameters = found.get("Parameters") or {}
    updated = found.get("UpdateTime") or found.get("CreateTime") or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    tag = f"{found.get('VersionId', '')}|{parameters.get('metadata_location', '')}"
    files = [DataFile(url=written, size=0, modified=updated, tag=tag)]
    location = str((found.get("StorageDescriptor") or {}).get("Location") or "")
    if location.startswith("s3://") and "metadata_location" not in parameters:  # Hive: its objects tell
        files += s3list.list_s3(location.rstrip("/") + "/", written, s3)
    return Source(table=table, written=written, url=written, files=tuple(files), format="glue", hive=False)


def _register(con: Any, source: Source) -> None:
    raise SourceError(f"data source '{source.written}' is a Glue table, which only Athena reads: set "
                      "engine: athena for this report")


TABLE = registry.register(registry.SourceKind(
    "glue", lambda wanted: wanted.loader is None and is_glue(wanted.written),
    lambda wanted: resolve(wanted.table, wanted.written, s3=wanted.s3_client), ("glue",), _register))

__all__ = ["PREFIX", "TABLE", "is_glue", "name_of", "resolve"]
