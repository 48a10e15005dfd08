"""Which reports an hourly scheduled run rebuilds: those not covered by a run since their last due time.

Each ``update_frequency`` has due times in the site's ``timezone``: ``hourly`` every hour on the hour,
``daily`` at ``publish_hour`` (site.yaml, default 6), ``weekly`` then on Mondays, ``monthly`` then on the
1st; ``manual`` none (push and dispatch rebuild it). A scheduled run rebuilds a report when no successful
run has covered it since its last due time, read from the record the previous runs left (``--record``,
kept in the Actions cache): so a run GitHub starts late, or drops, is caught up by the next one. Without a
record (a new repository) a report is due in the hour of its due time. Push and dispatch runs ignore the
schedule: the build rebuilds whatever changed, and they cover every report (or the ones dispatched).
A digest of site.yaml makes a run due in the three hours after its scheduled moment (``cadence.CATCH_UP``),
with the reports it carries, so the deploy job's ``reportsite deliver`` sends it with fresh pages; the state
kept with the site makes sure it is sent once, and the record (``delivered``: when each digest last went)
keeps the later runs of the window from rebuilding for a digest already sent. The build itself then skips
a due report whose inputs did not change (its fingerprint), so a due run with no new data uploads nothing.

This module reads the YAML files with PyYAML alone (no pydantic, DuckDB or the rest of the package), so
the workflow decides in seconds, before anything is installed. It does not validate: a file it cannot
read is due, and the build reports what is wrong with it.

    python -m reportsite.ops.schedule --event schedule --record FILE   # run=, reports=, covered=, published=,
                                                                       # digests=, delivered=
    python -m reportsite.ops.schedule record --covered JSON --site _site --out FILE \
        [--delivered JSON --sent "NAMES"]                                # after a good run
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import sys
import zoneinfo
from dataclasses import dataclass, field
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


def last_due(frequency: str, local: dt.datetime, publish_hour: int = DEFAULT_PUBLISH_HOUR) -> dt.datetime | None:
    """The latest due time of ``frequency`` at or before ``local`` (same zone); None for ``manual``."""
    if frequency == "manual":
        return None
    hour = local.replace(minute=0, second=0, microsecond=0)
    if frequency == "hourly" or frequency not in FREQUENCIES:  # an unknown value is the build's to report: due
        return hour
    day = hour.replace(hour=publish_hour)
    if frequency == "daily":
        return day if day <= local else day - dt.timedelta(days=1)
    if frequency == "weekly":
        monday = day - dt.timedelta(days=day.weekday())
        return monday if monday <= local else monday - dt.timedelta(days=7)
    first = day.replace(day=1)
    if first <= local:
        return first
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    return previous


@dataclass
class Plan:
    """What a run rebuilds: ``run`` False means there is nothing to do; ``reports`` empty means all that changed.

    ``covered`` is the record to keep once the run has succeeded: every report's last covering run, this
    run's time for the reports it rebuilds (all of them for push and dispatch without a list).
    """

    event: str
    run: bool
    reports: list[str]
    local: dt.datetime
    timezone: str
    publish_hour: int
    frequencies: dict[str, str]
    covered: dict[str, str] = field(default_factory=dict)
    late: dict[str, str] = field(default_factory=dict)  # due report → the due time a previous run missed
    published: str = ""  # sha256 of the manifest of the site last published (from the record)
    digests: list[str] = field(default_factory=list)  # digests in their catch-up window, not yet delivered
    delivered: dict[str, str] = field(default_factory=dict)  # digest → when a run last delivered it (record)

    def summary(self) -> str:
        """Markdown for $GITHUB_STEP_SUMMARY."""
        when = f"{self.local:%Y-%m-%d %H:%M} {self.timezone}"
        if self.event not in SCHEDULED_EVENTS:
            return f"### Schedule\n\nA {self.event} run: every report whose inputs changed is rebuilt ({when}).\n\n"
        if not self.run:
            return (f"### Schedule\n\nNothing is due at {when}: no report rebuilt, 0 uploads. Daily reports are "
                    f"due at {self.publish_hour:02d}:00, weekly ones on Mondays, monthly ones on the 1st.\n\n")
        due = ", ".join(f"{slug} ({self.frequencies.get(slug, 'in a digest')}"
                        + (f", catching up {self.late[slug]}" if slug in self.late else "") + ")"
                        for slug in self.reports)
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


@dataclass
class Record:
    """What the previous successful runs left: when each report was last covered, and what was published."""

    covered: dict[str, dt.datetime]
    published: str = ""
    delivered: dict[str, dt.datetime] = field(default_factory=dict)  # digest → when it was last delivered


def read_record(path: Path | None) -> Record | None:
    """The record at ``path``; None when there is none (a new repository) or it cannot be read."""
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        covered = {str(k): dt.datetime.fromisoformat(str(v)) for k, v in data.get("covered", {}).items()}
        delivered = {str(k): dt.datetime.fromisoformat(str(v)) for k, v in data.get("delivered", {}).items()}
        return Record(covered, str(data.get("published", "")), delivered)
    except (OSError, ValueError, AttributeError, TypeError):
        return None


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def plan(root: Path, event: str, now: dt.datetime, record: Record | None = None,
         only: list[str] | None = None) -> Plan:
    """The plan of a run started by ``event`` at ``now`` (aware) for the project at ``root``.

    With a ``record``, a scheduled run rebuilds each report not covered since its last due time (a report
    missing from the record counts as never covered); without one, the reports due in this hour.
    """
    site = _read(root / "site_src" / "site.yaml") or {}
    timezone = str(site.get("timezone", "UTC"))
    local = now.astimezone(_zone(timezone))
    publish_hour = _hour(site.get("publish_hour", DEFAULT_PUBLISH_HOUR))
    folder = root / "reports"
    files = sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml")) if folder.is_dir() else []
    frequencies = {p.stem: _frequency(p) for p in files}
    previous = {slug: _when(t) for slug, t in (record.covered if record else {}).items() if slug in frequencies}
    published = record.published if record else ""
    delivered = record.delivered if record else {}
    kept = {name: _when(t) for name, t in delivered.items()}
    if event not in SCHEDULED_EVENTS:
        rebuilt = [slug for slug in frequencies if not only or slug in only]
        return Plan(event, True, [], local, timezone, publish_hour, frequencies,
                    {**previous, **{slug: _when(now) for slug in rebuilt}}, published=published, delivered=kept)
    late: dict[str, str] = {}
    due = []
    for slug, frequency in frequencies.items():
        if record is None:
            if is_due(frequency, local, publish_hour):
                due.append(slug)
            continue
        latest = last_due(frequency, local, publish_hour)
        covered = record.covered.get(slug)
        if latest is not None and (covered is None or covered < latest):
            due.append(slug)
            if not is_due(frequency, local, publish_hour):
                late[slug] = f"{latest:%Y-%m-%d %H:%M}"
    digests = _due_digests(site.get("digests"), local, delivered)
    for name in digests:  # the reports a digest carries are rebuilt (when their inputs changed) before it goes
        due += [slug for slug in _digest_reports(site["digests"][name], root, frequencies) if slug not in due]
    return Plan(event, bool(due) or bool(digests), due, local, timezone, publish_hour, frequencies,
                {**previous, **{slug: _when(now) for slug in due}}, late, published, digests, kept)


def manifest_digest(site: Path) -> str:
    """The sha256 of a built site's manifest.json ('' without one): equal digests, equal sites."""
    try:
        return hashlib.sha256((site / "manifest.json").read_bytes()).hexdigest()
    except OSError:
        return ""


def write_record(covered: str, site: Path, out: Path, delivered: str = "", sent: str = "",
                 now: dt.datetime | None = None) -> None:
    """Keep, after a successful run, the plan's ``covered`` (JSON), the digest of the site now published, and
    when each digest was last delivered: the plan's ``delivered`` (JSON) with ``sent`` (the names
    ``reportsite deliver`` delivered in full) at ``now``."""
    moment = _when(now or _now())
    record = {"covered": json.loads(covered or "{}"), "published": manifest_digest(site),
              "delivered": {**json.loads(delivered or "{}"), **{name: moment for name in sent.split()}}}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, sort_keys=True, indent=1) + "\n", encoding="utf-8")


def _due_digests(digests: Any, local: dt.datetime, delivered: dict[str, dt.datetime]) -> list[str]:
    """The digests whose latest scheduled moment is within the catch-up window and that no run has delivered
    since; an unreadable one is left to the build to report (``reportsite check`` names it)."""
    found = []
    for name, digest in (digests or {}).items() if isinstance(digests, dict) else []:
        try:
            if not isinstance(digest, dict):
                continue
            schedule = cadence.parse(str(digest.get("schedule", "")))
            done = delivered.get(str(name))
            if schedule.due(local) and (done is None or done < schedule.latest(local)):
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


def _record_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m reportsite.ops.schedule record",
                                     description="keep the record of a successful run for the next ones")
    parser.add_argument("--covered", required=True, help="the plan's covered= output (JSON)")
    parser.add_argument("--site", required=True, help="the site this run published (or found already published)")
    parser.add_argument("--out", required=True, help="the record file (kept in the Actions cache)")
    parser.add_argument("--delivered", default="", help="the plan's delivered= output (JSON)")
    parser.add_argument("--sent", default="", help="the digests `reportsite deliver` delivered in full (names)")
    args = parser.parse_args(argv)
    try:
        write_record(args.covered, Path(args.site), Path(args.out), args.delivered, args.sent)
    except ValueError as exc:  # a malformed REPORTSITE_NOW
        print(f"error: {NOW_ENV}: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["record"]:
        return _record_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m reportsite.ops.schedule", description=__doc__.splitlines()[0])
    parser.add_argument("--project", default=".", help="repository root (default: current folder)")
    parser.add_argument("--event", required=True, help="what started the run: schedule, push, workflow_dispatch")
    parser.add_argument("--record", help="the previous runs' record (absent or unreadable: no record)")
    parser.add_argument("--only", default="", help="dispatch: the reports to rebuild (space-separated)")
    args = parser.parse_args(argv)
    record = read_record(Path(args.record)) if args.record else None
    try:
        result = plan(Path(args.project), args.event, _now(), record, args.only.split() or None)
    except ValueError as exc:  # a malformed REPORTSITE_NOW
        print(f"error: {NOW_ENV}: {exc}", file=sys.stderr)
        return 1
    outputs = (f"run={'true' if result.run else 'false'}\nreports={' '.join(result.reports)}\n"
               f"covered={json.dumps(result.covered, sort_keys=True, separators=(',', ':'))}\n"
               f"published={result.published}\ndigests={' '.join(result.digests)}\n"
               f"delivered={json.dumps(result.delivered, sort_keys=True, separators=(',', ':'))}\n")
    for name, text in (("GITHUB_OUTPUT", outputs), ("GITHUB_STEP_SUMMARY", result.summary())):
        if os.environ.get(name):
            with open(os.environ[name], "a", encoding="utf-8") as handle:
                handle.write(text)
    print(result.summary().removeprefix("### Schedule\n\n").strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
