"""The month's bill, estimated from what a run measured: S3 storage, requests, transfer out and Actions minutes.

Prices come from ``config.prices`` (one table; site.yaml's ``prices`` overrides any of them by name). The estimate is
deliberately simple and says what it assumed; it is not an invoice:

- storage: the published site plus the data the reports read, for a whole month;
- requests: each run's S3 requests × runs a month (scheduled runs from the reports' update_frequency;
  pushes and manual runs come on top), plus the readers' GETs (one per file of a page view);
- transfer out: ``monthly_page_views`` × the average page weight (its HTML and every asset it loads, as a
  first visit), less AWS's monthly free allowance of transfer out;
- Actions minutes: the jobs this run measured, each rounded up to a whole minute (as GitHub bills them), ×
  the hourly runs a month in which a report is due (from the reports' update_frequency), plus one minute
  for every other hourly run (the build job decides that nothing is due and stops), against the free
  minutes of a private repository (GitHub Free). A due run whose site did not change ends after the build
  job, so counting every due run with this run's jobs is an upper bound.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportsite.build.manifest_model import Manifest
from reportsite.config.prices import GB, PRICES
from reportsite.config.project import load_site
from reportsite.ops.schedule import is_due, plan

HOURS_A_MONTH = 24 * 365 / 12  # 730: the hourly schedule's runs a month
QUIET_RUN_MINUTES = 1  # an hourly run with nothing due: the build job decides so in seconds, billed one minute


@dataclass
class Usage:
    """What a run measured (and the site's settings) that the bill is estimated from."""

    site_bytes: int  # the published site
    data_bytes: int  # the data the reports read (each source once)
    page_bytes: float  # the average page view: its HTML and the assets it loads
    files_per_view: float  # GET requests of one page view
    run_gets: int  # S3 GET/HEAD requests of one run (build and deploy)
    run_puts: int  # S3 PUT/LIST/DELETE requests of one run
    run_minutes: float  # billed minutes of one run (each job rounded up)
    runs_a_month: float  # hourly runs in which a report is due: they build (and deploy what changed)
    quiet_runs_a_month: float  # the other hourly runs: nothing due, one billed minute each
    monthly_page_views: int
    notes: list[str] = field(default_factory=list)
    athena_bytes: int = 0  # bytes Athena scanned in one run (reports with engine: athena)


@dataclass
class Bill:
    lines: list[tuple[str, str, float]]  # (item, how it was worked out, USD)
    total: float
    budget: float
    notes: list[str]

    @property
    def over_budget(self) -> bool:
        return self.total > self.budget


def prices_for(overrides: Mapping[str, float] | None) -> dict[str, float]:
    return {**PRICES, **(overrides or {})}


def estimate(usage: Usage, budget: float, overrides: Mapping[str, float] | None = None) -> Bill:
    """The month's bill for ``usage`` at PRICES (with ``overrides``)."""
    p = prices_for(overrides)
    stored_gb = (usage.site_bytes + usage.data_bytes) / GB
    storage = stored_gb * p["s3_storage_gb_month"]
    reader_gets = usage.monthly_page_views * usage.files_per_view
    gets = usage.run_gets * usage.runs_a_month + reader_gets
    puts = usage.run_puts * usage.runs_a_month
    requests = gets / 1000 * p["s3_get_per_1000"] + puts / 1000 * p["s3_put_per_1000"]
    out_gb = usage.monthly_page_views * usage.page_bytes / GB
    transfer = max(0.0, out_gb - p["transfer_free_gb"]) * p["transfer_out_gb"]
    minutes = usage.run_minutes * usage.runs_a_month + usage.quiet_runs_a_month * QUIET_RUN_MINUTES
    actions = max(0.0, minutes - p["actions_free_minutes"]) * p["actions_minute"]
    lines = [
        ("S3 storage", f"{stored_gb:.3f} GB (site {_size(usage.site_bytes)}, data {_size(usage.data_bytes)}) × "
                       f"${p['s3_storage_gb_month']}/GB-month", storage),
        ("S3 requests", f"{gets:,.0f} GET ({usage.run_gets:,} a run × {usage.runs_a_month:,.1f} runs + "
                        f"{reader_gets:,.0f} by readers), {puts:,.0f} PUT/LIST ({usage.run_puts:,} a run)", requests),
        ("Transfer out", f"{usage.monthly_page_views:,} page views × {_size(usage.page_bytes)} = {out_gb:.3f} GB "
                         f"({p['transfer_free_gb']:,.0f} GB free)", transfer),
        ("Actions minutes", f"{minutes:,.0f} min ({usage.run_minutes:,.0f} a run × {usage.runs_a_month:,.1f} runs "
                            f"with reports due + {usage.quiet_runs_a_month:,.0f} runs with nothing due × "
                            f"{QUIET_RUN_MINUTES}) of {p['actions_free_minutes']:,.0f} free", actions),
    ]
    if usage.athena_bytes:
        scanned = usage.athena_bytes * usage.runs_a_month / 1e12
        lines.append(("Athena", f"{scanned:,.4f} TB scanned ({_size(usage.athena_bytes)} a run × "
                                f"{usage.runs_a_month:,.1f} runs) × ${p['athena_tb_scanned']}/TB",
                      scanned * p["athena_tb_scanned"]))
    return Bill(lines, sum(cost for _, _, cost in lines), budget, usage.notes)


def markdown(bill: Bill, title: str = "Estimated monthly bill") -> str:
    """A section for $GITHUB_STEP_SUMMARY: the table, the total and a warning above the budget."""
    rows = [f"| {item} | {how} | ${cost:,.2f} |" for item, how, cost in bill.lines]
    text = (f"### {title}\n\n| item | from | USD |\n| --- | --- | ---: |\n" + "\n".join(rows)
            + f"\n| **Total** | budget ${bill.budget:,.2f} | **${bill.total:,.2f}** |\n\n")
    if bill.over_budget:
        text += (f"> [!WARNING]\n> The estimate, ${bill.total:,.2f} a month, is above the budget of "
                 f"${bill.budget:,.2f} (monthly_budget in site_src/site.yaml).\n\n")
    if bill.notes:
        text += "".join(f"- {note}\n" for note in bill.notes) + "\n"
    return text + ("Prices: AWS us-east-1 and GitHub list prices (reportsite/config/prices.py; override with "
                   "`prices:` in site.yaml). Pushes and manual runs add to the runs counted.\n\n")


def _size(size: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


# ---------------------------------------------------------------- what a run measured


def scheduled_runs_a_month(frequencies: list[str], timezone: str, publish_hour: int) -> float:
    """Hours of a year (2026, in the site's zone) in which at least one report is due, a month on average."""
    zone = zoneinfo.ZoneInfo(timezone)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    hours = 0
    for offset in range(24 * 365):
        local = (start + dt.timedelta(hours=offset)).astimezone(zone)
        if any(is_due(f, local, publish_hour) for f in frequencies):
            hours += 1
    return hours / 12


def site_weights(site: Path) -> tuple[int, float, float]:
    """The site's bytes, the average page view's bytes (HTML plus every asset) and files per view."""
    data = _manifest(site)
    files = [p for p in site.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    pages = [site / page for page in data.pages if (site / page).is_file()]
    assets = [p for p in (site / "assets").rglob("*") if p.is_file()] if (site / "assets").is_dir() else []
    asset_bytes = sum(p.stat().st_size for p in assets)
    if not pages:
        return total, 0.0, 0.0
    html = sum(p.stat().st_size for p in pages) / len(pages)
    return total, html + asset_bytes, 1.0 + len(assets)


def data_bytes_and_objects(site: Path) -> tuple[int, int]:
    """The data the reports read (each source once, by its URL) and how many objects it is, from the manifest."""
    seen: dict[str, tuple[int, int]] = {}
    for entry in _manifest(site).reports.values():
        for source in entry.sources:
            seen[source.url] = (int(source.bytes or 0), int(source.files or 0))
    return sum(b for b, _ in seen.values()), sum(f for _, f in seen.values())


def athena_bytes(site: Path) -> int:
    """What Athena scanned for the reports the build ran there (engine: athena), from the manifest: a report reused
    from an earlier build scanned nothing this run, but counts as the run that made it did."""
    return sum(int(entry.athena.bytes_scanned or 0) for entry in _manifest(site).reports.values() if entry.athena)


def _manifest(site: Path) -> Manifest:
    return Manifest.from_json(json.loads((site / "manifest.json").read_text(encoding="utf-8")))


def _source_urls(site: Path) -> set[str]:
    """The data sources the site's reports read, each once."""
    return {s.url for e in _manifest(site).reports.values() for s in e.sources}


def billed_minutes(seconds: float) -> int:
    """GitHub rounds each job up to the next whole minute."""
    return max(1, math.ceil(seconds / 60))


def usage_of_run(root: Path, site: Path, job_minutes: float, run_puts: int, run_gets: int,
                 notes: list[str] | None = None) -> Usage:
    """Usage from a built site folder, the project's settings and what the jobs measured."""
    settings = load_site(root)
    site_bytes, page_bytes, per_view = site_weights(site)
    data, objects = data_bytes_and_objects(site)
    frequencies = list(plan(root, "push", dt.datetime.now(dt.UTC)).frequencies.values())
    runs = scheduled_runs_a_month(frequencies, settings.timezone, settings.publish_hour)
    return Usage(site_bytes=site_bytes, data_bytes=data, page_bytes=page_bytes, files_per_view=per_view,
                 run_gets=run_gets + objects, run_puts=run_puts, run_minutes=job_minutes, runs_a_month=runs,
                 quiet_runs_a_month=max(0.0, HOURS_A_MONTH - runs), monthly_page_views=settings.monthly_page_views,
                 notes=list(notes or []), athena_bytes=athena_bytes(site))


def bill_markdown(root: Path, site: Path, job_minutes: float, run_puts: int, run_gets: int,
                  notes: list[str] | None = None) -> str:
    settings = load_site(root)
    usage = usage_of_run(root, site, job_minutes, run_puts, run_gets, notes)
    return markdown(estimate(usage, settings.monthly_budget, settings.prices))


DEPLOY_MINUTES_ASSUMED = 2  # the build summary's guess for the deploy job, which has not run yet
LOCK_REQUESTS = 3  # the deploy lock: write, read back, delete


def _started(name: str) -> float | None:
    try:
        return float(os.environ[name])
    except (KeyError, ValueError):
        return None


def build_bill(root: Path, site: Path, elapsed: float, now: float) -> str:
    """The build job's bill: its own minutes so far; the deploy job's assumed; its S3 requests estimated."""
    started = _started(JOB_STARTED_ENV)
    build_minutes = billed_minutes(now - started if started else elapsed)
    sources = _source_urls(site)
    files = sum(1 for p in site.rglob("*") if p.is_file())
    notes = [f"Build job {build_minutes} min" + ("" if started else " (this command only: not in Actions)")
             + f"; the deploy job is counted as {DEPLOY_MINUTES_ASSUMED} min (its own summary measures it).",
             "S3 requests a run: one listing per data source and a GET per data object read, a HEAD per site "
             "file and the deploy lock (uploads are counted by the deploy summary)."]
    return bill_markdown(root, site, build_minutes + DEPLOY_MINUTES_ASSUMED, len(sources) + 1 + LOCK_REQUESTS,
                         files, notes)


def deploy_bill(root: Path, site: Path, uploads: int, deletions: int, unchanged: int, elapsed: float,
                now: float) -> str:
    """The deploy job's bill: the build and deploy jobs' minutes and this deploy's S3 requests."""
    job, run = _started(JOB_STARTED_ENV), _started(RUN_STARTED_ENV)
    deploy_minutes = billed_minutes(now - job if job else elapsed)
    build_minutes = billed_minutes(job - run) if job and run else DEPLOY_MINUTES_ASSUMED
    sources = _source_urls(site)
    notes = [f"Build job {build_minutes} min" + ("" if job and run else " (assumed: not measured)")
             + f", deploy job {deploy_minutes} min.",
             f"This deploy: {uploads} upload(s), {deletions} deletion(s), {unchanged} unchanged file(s) checked."]
    puts = len(sources) + uploads + (1 if deletions else 0) + 1 + LOCK_REQUESTS
    return bill_markdown(root, site, build_minutes + deploy_minutes, puts, unchanged + uploads, notes)


JOB_STARTED_ENV = "REPORTSITE_JOB_STARTED"  # Unix time the job started (publish.yml's first step sets it)
RUN_STARTED_ENV = "REPORTSITE_RUN_STARTED"  # Unix time the run's build job started (passed to the deploy job)


def as_dict(bill: Bill) -> dict[str, Any]:
    return {"total": round(bill.total, 4), "budget": bill.budget,
            "lines": [{"item": i, "from": h, "usd": round(c, 4)} for i, h, c in bill.lines]}
