"""Python loaders as data sources: a file beside the report whose ``load()`` returns a Polars frame.

A loader is the user's own code: it may use the network and read files. Its environment holds only the
variables its source declares (``env: [SHOP_TOKEN]``) and the basics (``PATH``, ``HOME``, the locale, proxy and
certificate settings): never the audience passwords, the AWS keys it did not ask for, or GitHub's OIDC
request token. It runs in a child process (``loader_run``), so it
cannot reach the build's DuckDB connection or its locked settings, a crash or a leak ends with it, and it
is stopped after ``timeout_seconds``. Its result is kept as Parquet under ``<cache>/loaders/``, keyed by
the loader file (path and code), the report's parameters and the ``refresh`` window (the hour, the day,
or every build), and queried like any Parquet source. The report's fingerprint covers the result's
content, so a loader that ran again and returned the same rows does not rebuild the page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from reportsite import integrity
from reportsite.caches import cache_dir
from reportsite.config.models import NEVER_TO_LOADERS
from reportsite.errors import SourceError, did_you_mean
from reportsite.sources import files, registry
from reportsite.sources.model import DataFile, Source

FOLDER = "loaders"
WINDOW = {"hourly": "%Y-%m-%dT%H", "daily": "%Y-%m-%d"}


def resolve(report: Any, table: str, spec: Any, now: dt.datetime | None = None, cache: Path | None = None) -> Source:
    """The loader's result as a local Parquet source: reused within its refresh window, else run now."""
    folder = report.path.parent
    loader = _loader_file(folder, str(spec.loader))
    now = now or dt.datetime.now(dt.UTC)
    root = (cache or cache_dir(folder.parent)) / FOLDER
    code = loader.read_bytes()
    parameters = report.config.parameters
    # one loader file run with one set of parameters: its older results are forgotten, others' kept
    named = hashlib.sha256(f"{loader.resolve()}|{_parameters_text(parameters)}".encode()).hexdigest()[:12]
    window = now.astimezone(dt.UTC).strftime(WINDOW[spec.refresh]) if spec.refresh in WINDOW else None
    key = hashlib.sha256(b"|".join([code, _parameters_text(parameters).encode(), str(window).encode()]))
    record = root / f"{table}-{named}-{key.hexdigest()[:16]}.json"
    kept = _kept(record, integrity) if window is not None else None
    if kept is None:
        kept = _run(loader, table, spec, parameters, report.display, root, now)
        root.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps(kept), encoding="utf-8")
        _forget_older(root, f"{table}-{named}-", record)
    data = root / kept["data"]
    ran = dt.datetime.fromisoformat(kept["ran_at"])
    data_file = DataFile(url=str(data), size=data.stat().st_size, modified=ran, tag=kept["sha256"])
    return Source(
        table=table, written=str(spec.loader), url=str(data), files=(data_file,), format="parquet", hive=False
    )


def _loader_file(folder: Path, name: str) -> Path:
    """The loader beside the report: a .py file inside reports/ (a link leading out of it is refused)."""
    path = folder / name
    if not name.endswith(".py"):
        raise SourceError(f"loader '{name}' must be a Python file (.py) beside the report")
    if not path.is_file():
        hint = did_you_mean(name, [p.name for p in folder.glob("*.py")])
        raise SourceError(f"loader '{name}' not found beside the report (no file {path}){hint}")
    if not path.resolve().is_relative_to(folder.resolve()):
        raise SourceError(
            f"loader '{name}' leads outside {folder.name}/ (to {path.resolve()}); keep loaders beside the report"
        )
    return path


def _parameters_text(parameters: dict[str, Any]) -> str:
    return json.dumps(parameters, sort_keys=True, default=str)


def _kept(record: Path, integrity: Any) -> dict[str, Any] | None:
    """The result recorded for this key, when its Parquet file is still there and intact."""
    try:
        kept: dict[str, Any] = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    data = record.parent / str(kept.get("data", ""))
    if not data.is_file() or integrity.digest(data) != kept.get("sha256"):
        return None
    return kept


def _run(
    loader: Path, table: str, spec: Any, parameters: dict[str, Any], display: str, root: Path, now: dt.datetime
) -> dict[str, Any]:
    """Run the loader in a child process; its result's file name, sha256 and time, or a SourceError."""
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="loader-", dir=root) as scratch:
        out, failure, given = Path(scratch) / "result.parquet", Path(scratch) / "failure.json", Path(scratch) / "in"
        given.write_bytes(pickle.dumps(parameters))
        command = [sys.executable, "-m", "reportsite.sources.loader_run", str(loader), str(out), str(failure),
                   str(given)]
        try:
            done = subprocess.run(
                command,
                cwd=loader.parent,
                env=_environment(loader, list(getattr(spec, "env", []) or [])),
                capture_output=True,
                timeout=spec.timeout_seconds,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise SourceError(
                f"loader '{spec.loader}' did not finish within {spec.timeout_seconds:g} s "
                "(timeout_seconds); it was stopped"
            ) from None
        if failure.exists():
            raise SourceError(
                _failure_message(spec.loader, json.loads(failure.read_text(encoding="utf-8")), loader, display)
            )
        if done.returncode != 0 or not out.exists():
            tail = (done.stderr or done.stdout or b"").decode("utf-8", "replace").strip().splitlines()[-1:]
            said = f": {tail[0][:300]}" if tail else ""
            raise SourceError(f"loader '{spec.loader}' ended without a result (exit code {done.returncode}){said}")
        sha = integrity.digest(out)
        name = f"{table}-{sha[:16]}.parquet"
        target = root / name
        if not target.exists():
            out.replace(target)
    return {"data": name, "sha256": sha, "ran_at": now.astimezone(dt.UTC).isoformat()}


BASICS = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
          "http_proxy", "https_proxy", "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE",
          "VIRTUAL_ENV")


def _environment(loader: Path, declared: list[str]) -> dict[str, str]:
    """The basics and the variables the source declares, with the loader's folder importable."""
    env = {name: os.environ[name] for name in (*BASICS, *declared)
           if name in os.environ and not name.startswith(NEVER_TO_LOADERS)}
    env["PYTHONPATH"] = str(loader.parent)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in reports/
    return env


def _failure_message(name: str, failure: dict[str, Any], loader: Path, display: str) -> str:
    """'loader 'shop.py' failed: KeyError: 'orders' (reports/shop.py:14 in load: rows = data["orders"]; …)'.

    Only the frames inside the loader file are shown: the rest is Polars' or our own code.
    """
    shown = str(Path(display).parent / loader.name)
    frames = [
        f"{shown}:{line} in {function}: {text}" if text else f"{shown}:{line} in {function}"
        for file, line, function, text in failure.get("frames", [])
        if Path(file) == loader.resolve()
    ]
    where = f" ({'; '.join(reversed(frames))})" if frames else ""
    return f"loader '{name}' failed: {failure.get('error', 'unknown error')}{where}"


def _forget_older(root: Path, prefix: str, current: Path) -> None:
    """Remove this loader's earlier records, and results no record names any more."""
    for other in root.glob(f"{prefix}*.json"):
        if other != current:
            other.unlink(missing_ok=True)
    named = set()
    for record in root.glob("*.json"):
        try:
            named.add(json.loads(record.read_text(encoding="utf-8")).get("data"))
        except (OSError, ValueError):
            continue
    for data in root.glob("*.parquet"):
        if data.name not in named:
            data.unlink(missing_ok=True)


LOADER = registry.register(registry.SourceKind(
    "loader", lambda wanted: wanted.loader is not None,
    lambda wanted: resolve(wanted.report, wanted.table, wanted.spec, wanted.now),
    (), files.register))  # its result is a local Parquet file, registered (format parquet) as files are

__all__ = ["LOADER", "resolve"]
