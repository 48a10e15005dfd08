"""Data sources written as mappings in a report (an Excel sheet, a Python loader), and the table name a
single ``data_source`` registers."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from reportsite.config.base import IDENTIFIER, Model

NEVER_TO_LOADERS = ("ACTIONS_ID_TOKEN_REQUEST_", "ACTIONS_RUNTIME_TOKEN", "GITHUB_TOKEN", "REPORTSITE_PASSWORD_",
                    "BASH_ENV", "LD_", "PYTHON")


class SourceSpec(Model):
    """A data source written as a mapping: one sheet of an Excel workbook, or a Python loader."""

    path: str | None = Field(
        None, description="A data file, folder or glob, as in data_source: Parquet, CSV or an Excel workbook "
                          "(.xlsx, .xlsm), a path or an s3:// URL.")
    sheet: str | None = Field(
        None, description="The sheet of an Excel workbook to read, by its name (e.g. \"2026\"). Defaults to the "
                          "first sheet.")
    loader: str | None = Field(
        None, description="A Python file beside the report whose load() returns a Polars DataFrame or LazyFrame; "
                          "load may take the report's parameters as keyword arguments.")
    refresh: Literal["hourly", "daily", "always"] = Field(
        "daily", description="How long a loader's result is reused: hourly, daily (the default) or always (run it "
                             "on every build). A changed loader file always runs again.")
    timeout_seconds: float = Field(600, gt=0, le=7200,
                                   description="The longest a loader may run, in seconds, before it is stopped.")
    env: list[str] = Field(
        default_factory=list,
        description="The environment variables the loader reads (e.g. [SHOP_TOKEN]); it sees only these, besides "
                    "PATH, HOME, the locale and proxy settings. Audience passwords and GitHub's OIDC request "
                    "token are never passed.")

    @field_validator("env")
    @classmethod
    def _env_names(cls, names: list[str]) -> list[str]:
        for name in names:
            if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", name):
                raise ValueError(f"'{name}' is not an environment variable name (capital letters, digits and _)")
            if name.startswith(NEVER_TO_LOADERS):
                raise ValueError(f"'{name}' is never passed to a loader (it mints or holds the workflow's "
                                 "credentials)")
        return names

    header_row: int | None = Field(
        None, ge=1, le=1_048_576,
        description="The row of an Excel sheet that holds the column names, as Excel numbers it (1 is the first). "
                    "Rows above it (a title, notes) are left out. Defaults to the first row.")

    @model_validator(mode="after")
    def _one_kind(self) -> SourceSpec:
        if (self.path is None) == (self.loader is None):
            raise ValueError("a data source mapping needs exactly one of path (a file) or loader (a Python file)")
        if self.sheet is not None and self.path is None:
            raise ValueError("sheet applies to an Excel workbook named by path, not to a loader")
        if self.header_row is not None and (self.path is None or not self.path.lower().endswith((".xlsx", ".xlsm"))):
            raise ValueError("header_row applies to an Excel workbook (.xlsx, .xlsm) named by path")
        given = self.model_fields_set
        if self.loader is None and given & {"refresh", "timeout_seconds", "env"}:
            raise ValueError("refresh, timeout_seconds and env apply to a loader, not to a file")
        return self

    @property
    def written(self) -> str:
        """The file this source names, as written: the data path or the loader file."""
        return self.path if self.path is not None else str(self.loader)


SOURCE_MAPPING = "SourceSpec"  # the tag of a data source written as a mapping (messages leave it out of key paths)
WrittenSource = Annotated[
    Annotated[str, Tag("text")] | Annotated[SourceSpec, Tag(SOURCE_MAPPING)],
    Discriminator(lambda value: SOURCE_MAPPING if isinstance(value, dict | SourceSpec) else "text"),
]


def table_name_for(url: str) -> str:
    """Table name a single ``data_source`` registers: the file's stem (``sales.parquet`` → ``sales``); a Glue
    table's name (``glue:sales_db.orders`` → ``orders``)."""
    if url.startswith("glue:"):
        name = re.sub(r"\W", "_", url.rsplit(".", 1)[-1].removeprefix("glue:"))
        return name if IDENTIFIER.match(name) else f"t_{name}"
    parts = [p for p in re.split(r"[/\\]", url.rstrip("/")) if p and not any(c in p for c in "*?[")]
    last = parts[-1] if parts else "data"
    if "=" in last and len(parts) > 1:  # a hive partition folder: use the table folder above it
        last = next((p for p in reversed(parts) if "=" not in p), last)
    stem = last.split(".")[0]
    name = re.sub(r"\W", "_", stem)
    return name if IDENTIFIER.match(name) else f"t_{name}"


__all__ = ["NEVER_TO_LOADERS", "SOURCE_MAPPING", "SourceSpec", "WrittenSource", "table_name_for"]
