"""The typed model of ``_site/manifest.json``: the manifest, each report's entry and what they hold.

Readers get attributes with types instead of ``.get()`` chains. Reading is tolerant and exact: a key an older
manifest lacks reads as its default and is not written back; a key this version does not know (or a value of
the wrong shape) is kept as it was, in its place. So a manifest read and written again is byte-identical, and
an entry carried over from a previous build is published unchanged (deploys and tests compare the JSON).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

FORMAT = 1
GENERATOR = "reportsite"


@dataclass(kw_only=True)
class Record:
    """A JSON object with typed fields. ``json_keys`` are the keys written, in order; ``json_extra`` the keys
    kept as read (unknown to this version, or not of the field's shape)."""

    OPTIONAL: ClassVar[tuple[str, ...]] = ()  # fields left out of a record made in code while they are None

    json_keys: list[str] = field(default_factory=list, repr=False, compare=False)
    json_extra: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.json_keys:  # made in code: its fields in declared order
            self.json_keys = [name for name in _hints(type(self))
                              if not (name in self.OPTIONAL and getattr(self, name) is None)]

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """The record of a JSON object; ValueError if ``data`` is not one."""
        if not isinstance(data, dict):
            raise ValueError(f"{cls.__name__}: expected a JSON object, not {type(data).__name__}")
        hints, values, extra = _hints(cls), dict[str, Any](), dict[str, Any]()
        for key, value in data.items():
            loaded = _load(hints[key], value) if key in hints else _UNFIT
            if loaded is _UNFIT:
                extra[key] = value
            else:
                values[key] = loaded
        record = cls(**values, json_extra=extra)
        record.json_keys = list(data)  # as read, in its order
        return record

    def to_json(self) -> dict[str, Any]:
        """The JSON object, its keys in ``json_keys`` order."""
        return {key: self.json_extra[key] if key in self.json_extra else _dump(getattr(self, key))
                for key in self.json_keys}

    def has(self, key: str) -> bool:
        """Whether the JSON holds ``key`` with a value of the field's shape (older manifests may lack it)."""
        return key in self.json_keys and key not in self.json_extra


@dataclass(kw_only=True)
class Headline(Record):
    """A metric card's value, for notify's messages."""

    name: str = ""
    value: Any = None
    change: str | None = None


@dataclass(kw_only=True)
class SourceUse(Record):
    """One data source a report read."""

    table: str = ""
    url: str = ""
    files: int = 0
    bytes: int = 0
    modified: str | None = None


@dataclass(kw_only=True)
class AthenaUse(Record):
    """What a report's queries used on Athena."""

    queries: int = 0
    bytes_scanned: int = 0
    dpu_ms: int = 0


@dataclass(kw_only=True)
class Entry(Record):
    """A report's entry: what the index, deploy, smoke, notify and the costs read back about it."""

    OPTIONAL = ("athena", "members", "pages", "private", "access")

    title: str = ""
    description: str = ""
    update_frequency: str | None = None
    data_modified: str | None = None
    data_as_of: str | None = None  # as the site shows it: "Jan 5, 2026" (locale, time zone)
    data_as_of_label: str = "Data as of"  # or "Files updated" (files' modification)
    data_as_of_at: str | None = None  # the same moment in ISO 8601
    status: str | None = None  # ok | failed
    fingerprint: str | None = None
    built_at: str | None = None
    rows: int = 0
    charts: int = 0
    metrics: int = 0
    headlines: list[Headline] = field(default_factory=list)
    tables: int = 0
    sources: list[SourceUse] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stale: bool = False
    seconds: dict[str, float] = field(default_factory=dict)
    athena: AthenaUse | None = None
    files: list[str] = field(default_factory=list)
    members: dict[str, str] | None = None  # a for_each report's pages: value token → file name
    pages: int | None = None
    pdf: str | None = None
    private: bool | None = None
    access: list[str] | None = None


@dataclass(kw_only=True)
class FileRecord(Record):
    """A file of the site: its sha256 and size."""

    sha256: str | None = None
    size: int | None = None


@dataclass(kw_only=True)
class Manifest(Record):
    """The whole manifest: build status, pages for smoke, each report's entry, every file with its hash."""

    OPTIONAL = ("files",)

    format: int | None = FORMAT
    generator: str | None = GENERATOR
    status: str | None = None  # ok | partial
    built_at: str | None = None
    site_key: str | None = None
    pages: list[str] = field(default_factory=list)
    reports: dict[str, Entry] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    files: dict[str, FileRecord] | None = None  # None: no files table (set when the manifest is written)


_UNFIT = object()  # a JSON value that does not have the field's shape


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type[Record]) -> dict[str, Any]:
    """The JSON fields of a record class (not its bookkeeping), in declared order, with their types."""
    if cls not in _HINTS:
        hints = typing.get_type_hints(cls)
        _HINTS[cls] = {f.name: hints[f.name] for f in dataclasses.fields(cls)
                       if f.name not in ("json_keys", "json_extra")}
    return _HINTS[cls]


def _load(hint: Any, value: Any) -> Any:
    """``value`` as the field's type: records made from objects, lists and dicts checked; scalars as they are."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        return _load(next(a for a in args if a is not type(None)), value)
    if isinstance(hint, type) and issubclass(hint, Record):
        return hint.from_json(value) if isinstance(value, dict) else _UNFIT
    if origin is list:
        if not isinstance(value, list):
            return _UNFIT
        items = [_load(args[0], item) for item in value]
        return _UNFIT if any(item is _UNFIT for item in items) else items
    if origin is dict:
        if not isinstance(value, dict):
            return _UNFIT
        loaded = {key: _load(args[1], item) for key, item in value.items()}
        return _UNFIT if any(item is _UNFIT for item in loaded.values()) else loaded
    return value


def _dump(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_json()
    if isinstance(value, list):
        return [_dump(item) for item in value]
    if isinstance(value, dict):
        return {key: _dump(item) for key, item in value.items()}
    return value


__all__ = ["AthenaUse", "Entry", "FileRecord", "Headline", "Manifest", "Record", "SourceUse"]
