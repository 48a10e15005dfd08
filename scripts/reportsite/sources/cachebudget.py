"""Keep the S3 column cache under its budget: evict least recently used copies, stream what cannot fit.

The budget is ``cache_max_gb`` in site.yaml, by default half the free disk (counting what the cache
already holds) and at most 4 GB, so the entry the workflow restores, the one it saves and the virtualenv
fit the 10 GB GitHub Actions cache of a repository. Before a
report's S3 Parquet sources are copied, the size of each copy is estimated from the first object's
footer (compressed size of the columns kept, scaled to all its objects); copies this report needs are
kept, others are evicted oldest use first. A source whose copy cannot fit even in an empty cache is not
copied at all: ``s3stream`` reads it from S3 at query time, so disk use stays bounded whatever the data.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from reportsite import integrity
from reportsite.sources import s3fetch, s3tally
from reportsite.sources.model import Source

GB = 1_000_000_000
MAX_DEFAULT = 4 * GB  # two build entries (restored, saved) and the virtualenv in the 10 GB Actions cache
SHARE_OF_DISK = 0.5


def cache_size(root: Path) -> int:
    """Bytes of the copies (and their sums) under ``root``."""
    if not root.is_dir():
        return 0
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def default_budget(cache: Path) -> int:
    """Half the free disk where the cache lives (plus what the cache already holds), at most 4 GB."""
    probe = cache
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    return int(min(MAX_DEFAULT, (free + cache_size(cache / "s3")) * SHARE_OF_DISK))


def budget_bytes(max_gb: float | None, cache: Path) -> int:
    """The cache budget in bytes: ``cache_max_gb`` from site.yaml, else ``default_budget``."""
    return int(max_gb * GB) if max_gb is not None else default_budget(cache)


@dataclass
class Budget:
    """The copies under ``root`` (``<cache>/s3``) and the limit they must stay under."""

    root: Path
    limit: int
    keep: set[Path] = field(default_factory=set)  # copies the running report uses: never evicted

    def copies(self) -> list[Path]:
        """Every copy (not sums, not partial downloads), least recently used first."""
        if not self.root.is_dir():
            return []
        found = [p for p in self.root.rglob("*") if p.is_file() and not p.name.endswith((integrity.SUFFIX, ".part"))]
        return sorted(found, key=lambda p: p.stat().st_mtime)

    def used(self) -> int:
        return cache_size(self.root)

    def make_room(self, need: int) -> bool:
        """Evict least recently used copies until ``need`` more bytes fit; False if they cannot fit at all."""
        kept = sum(_size_with_sum(p) for p in self.keep if p.exists())
        if kept + need > self.limit:
            return False
        used = self.used()
        for copy in self.copies():
            if used + need <= self.limit:
                break
            if copy in self.keep:
                continue
            size = _size_with_sum(copy)
            integrity.discard(copy)
            s3tally.add(size, "cache_evicted_bytes")
            used -= size
        return used + need <= self.limit


def _size_with_sum(path: Path) -> int:
    total = path.stat().st_size if path.exists() else 0
    summed = integrity.sum_file(path)
    return total + (summed.stat().st_size if summed.exists() else 0)


def estimate(source: Source, columns: set[str] | None, fs: Any) -> int:
    """Bytes a local copy of ``columns`` of ``source`` would take (from the first object's footer)."""
    import pyarrow.parquet as pq

    if source.format != "parquet" or columns is None:
        return source.size
    first = source.files[0]
    meta = pq.read_metadata(first.url.removeprefix("s3://"), filesystem=fs)
    total = kept = 0
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            chunk = group.column(c)
            total += chunk.total_compressed_size
            if chunk.path_in_schema.split(".")[0] in columns:
                kept += chunk.total_compressed_size
    share = kept / total if total else 1.0
    return int(source.size * share) + 4096 * len(source.files)


def place(
    source: Source, columns: set[str] | None, cache: Path, fs: Any, budget: Budget, notes: list[str] | None = None
) -> Source:
    """``source`` backed by local copies when they fit in the budget (evicting older ones), else streamed."""
    if source.format == "parquet":
        targets = [s3fetch.copy_target(source, f, columns, cache / "s3")[0] for f in source.files]
        missing = sum(1 for t in targets if not t.exists())
        budget.keep.update(t for t in targets if t.exists())
        need = estimate(source, columns, fs) * missing // len(targets) if missing else 0
        total = need + sum(_size_with_sum(t) for t in targets if t.exists())
        if not budget.make_room(need):  # also when its copies are there but the budget has shrunk since
            budget.keep.difference_update(targets)
            budget.make_room(0)  # its copies go too: the cache stays under the budget
            need = total
            s3tally.streamed(source.url)
            if notes is not None:
                notes.append(
                    f"data source '{source.written}' ({need / GB:.2f} GB of columns) does not fit in the "
                    f"S3 cache budget ({budget.limit / GB:.2f} GB, cache_max_gb in site_src/site.yaml): "
                    "read from S3 at query time"
                )
            return replace(source, streamed=True)
    local = s3fetch.localize(source, columns, cache, fs, notes)
    budget.keep.update(Path(f.url) for f in local.files)
    return local


def budget_for(site_max_gb: float | None, cache: Path) -> Budget:
    return Budget(cache / "s3", budget_bytes(site_max_gb, cache))


__all__ = ["Budget", "budget_bytes", "budget_for", "default_budget", "estimate", "place"]
