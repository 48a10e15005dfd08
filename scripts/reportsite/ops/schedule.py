"""Which reports an hourly scheduled run rebuilds: those whose ``update_frequency`` is due now.

A report is due, in the site's ``timezone``, when the run falls in its hour: ``hourly`` every hour,
``daily`` in the hour of ``publish_hour`` (site.yaml, default 6), ``weekly`` then on Mondays, ``monthly``
then on the 1st; ``manual`` never (push and dispatch rebuild it). A digest of site.yaml makes a run due in the
three hours after its scheduled moment (``cadence.CATCH_UP``: a late or dropped run is caught up), with the reports
it carries, so the deploy job's ``reportsite deliver`` sends it with fresh pages; the state kept with the site
makes sure it is sent once. Push and dispatch runs ignore the
schedule: the build rebuilds whatever changed. The build itself then skips a due report whose inputs
did not change (its fingerprint), so a due run with no new data uploads nothing.

This module reads the YAML files with PyYAML alone (no pydantic, DuckDB or the rest of the package), so
the workflow's first job decides in seconds, before anything is installed. It does not validate: a file
it cannot read is due, and the build reports what is wrong with it.

    python -m reportsite.ops.schedule --event schedule     # writes run= and reports= to $GITHUB_OUTPUT
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import sys
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reportsite.values import cadence

FREQUENCIES = ("hourly", "daily", "weekly", "monthly", "manual")
DEFAULT_PUBLISH_HOUR = 6
NOW_ENV = "REPORTSITE_NOW"  # an ISO 8601 time the run counts as (for trying a schedule); default: the clock
SCHEDULED_EVENTS = ("schedule",)


def is_due(frequency: str, local: dt.datetime, publish_hour: int = DEFAULT_PUBLISH_HOUR) -> bool:
    """Whether a report of this frequency is due in the hour of ``local`` (a time in the site's zone)."""
    at_hour = local.hour == publish_hour
    return {
        "hourly": True,
        "daily": at_hour,
        "weekly": at_hour and local.weekday() == 0,
        "monthly": at_hour and local.day == 1,
        "manual": False,
    }.get(frequency, True)  # an unknown value is the build's to report: due


@dataclass
class Plan:
    """What a run rebuilds: ``run`` False means there is nothing to do; ``reports`` empty means all that changed."""

    event: str
    run: bool
    reports: list[str]
    local: dt.datetime
    timezone: str
    publish_hour: int
    frequencies: dict[str, str]
    digests: list[str] = dataclasses.field(default_factory=list)  # digests in their catch-up window

    def summary(self) -> str:
        """Markdown for $GITHUB_STEP_SUMMARY."""
        when = f"{self.local:%Y-%m-%d %H:%M} {self.timezone}"
        if self.event not in SCHEDULED_EVENTS:
            return f"### Schedule\n\nA {self.event} run: every report whose inputs changed is rebuilt ({when}).\n\n"
        if not self.run:
            return (f"### Schedule\n\nNothing is due at {when}: no report rebuilt, 0 uploads. Daily reports are "
                    f"due at {self.publish_hour:02d}:00, weekly ones on Mondays, monthly ones on the 1st.\n\n")
        due = ", ".join(f"{slug} ({self.frequencies.get(slug, 'in a digest')})" for slug in self.reports)
        digests = f" Digests due: {', '.join(self.digests)} (sent once, after the deploy)." if self.digests else ""
        return f"### Schedule\n\nDue at {when}: {due}. Reports whose inputs did not change are reused.{digests}\n\n"


UNREADABLE = "unreadable"  # a report file this module cannot read: due, so the build says what is wrong


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def _frequency(path: Path) -> str:
    data = _read(path)
    return UNREADABLE if data is None else str(data.get("update_frequency", "daily"))


def _zone(name: Any) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(str(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")  # the build reports the unknown zone


def _hour(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 23 \
        else DEFAULT_PUBLISH_HOUR


def plan(root: Path, event: str, now: dt.datetime) -> Plan:
    """The plan of a run started by ``event`` at ``now`` (aware) for the project at ``root``."""
    site = _read(root / "site_src" / "site.yaml") or {}
    timezone = str(site.get("timezone", "UTC"))
    local = now.astimezone(_zone(timezone))
    publish_hour = _hour(site.get("publish_hour", DEFAULT_PUBLISH_HOUR))
    folder = root / "reports"
    files = sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml")) if folder.is_dir() else []
    frequencies = {p.stem: _frequency(p) for p in files}
    if event not in SCHEDULED_EVENTS:
        return Plan(event, True, [], local, timezone, publish_hour, frequencies)
    due = [slug for slug, frequency in frequencies.items() if is_due(frequency, local, publish_hour)]
    digests = _due_digests(site.get("digests"), local)
    for name in digests:  # the reports a digest carries are rebuilt (when their inputs changed) before it goes
        carried = _digest_reports(site["digests"][name], root, frequencies)
        due += [slug for slug in carried if slug not in due]
    run = bool(due) or bool(digests)
    return Plan(event, run, due, local, timezone, publish_hour, frequencies, digests)


def _due_digests(digests: Any, local: dt.datetime) -> list[str]:
    """The digests whose latest scheduled moment is within the catch-up window; an unreadable one is left to
    the build to report (``reportsite check`` names it)."""
    found = []
    for name, digest in (digests or {}).items() if isinstance(digests, dict) else []:
        try:
            if isinstance(digest, dict) and cadence.parse(str(digest.get("schedule", ""))).due(local):
                found.append(str(name))
        except ValueError:
            continue
    return found


def _digest_reports(digest: dict[str, Any], root: Path, frequencies: dict[str, str]) -> list[str]:
    named = [str(s) for s in digest.get("reports") or [] if str(s) in frequencies]
    audience = digest.get("audience")
    if audience:
        for slug in frequencies:
            data = _read(root / "reports" / f"{slug}.yaml") or {}
            if audience in (data.get("access") or []) and slug not in named:
                named.append(slug)
    return named


def _now() -> dt.datetime:
    text = os.environ.get(NOW_ENV)
    if not text:
        return dt.datetime.now(dt.UTC)
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reportsite.ops.schedule", description=__doc__.splitlines()[0])
    parser.add_argument("--project", default=".", help="repository root (default: current folder)")
    parser.add_argument("--event", required=True, help="what started the run: schedule, push, workflow_dispatch")
    args = parser.parse_args(argv)
    try:
        result = plan(Path(args.project), args.event, _now())
    except ValueError as exc:  # a malformed REPORTSITE_NOW
        print(f"error: {NOW_ENV}: {exc}", file=sys.stderr)
        return 1
    outputs = f"run={'true' if result.run else 'false'}\nreports={' '.join(result.reports)}\n"
    for name, text in (("GITHUB_OUTPUT", outputs), ("GITHUB_STEP_SUMMARY", result.summary())):
        if os.environ.get(name):
            with open(os.environ[name], "a", encoding="utf-8") as handle:
                handle.write(text)
    print(result.summary().removeprefix("### Schedule\n\n").strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
