"""``reportsite deliver``: the digests due and the alerts that changed, sent after a publish (see ops.deliver)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path
from typing import Any

from reportsite.deploy.target import STATE, TARGET_ENV, parse_target
from reportsite.errors import ReportError
from reportsite.ops.deliver import deliver
from reportsite.ops.delivery_state import NAME, Store
from reportsite.ops.schedule import NOW_ENV
from reportsite.sources import s3env


def now() -> dt.datetime:
    """The clock, or $REPORTSITE_NOW (the moment the schedule job counted, for trying a schedule)."""
    text = os.environ.get(NOW_ENV)
    if not text:
        return dt.datetime.now(dt.UTC)
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def store(args: argparse.Namespace) -> Store:
    if args.state:
        return Store(path=Path(args.state))
    url = args.target or os.environ.get(TARGET_ENV)
    if not url:
        return Store(path=Path(args.project) / ".cache" / "reportsite" / NAME)  # local trials
    target = parse_target(url, "--target" if args.target else f"${TARGET_ENV}")
    return Store(bucket=target.bucket, key=target.key(STATE + NAME), client=s3env.client())


def command(args: argparse.Namespace, console: Any) -> int:
    def warn(message: str) -> None:
        console.print(f"warning: {message}", markup=False, style="yellow")

    site = Path(args.site) if Path(args.site).is_absolute() else Path(args.project) / args.site
    try:
        result = deliver(Path(args.project), site, store(args), now(), warn,
                         lambda m: console.print(f"  {m}", markup=False))
    except ReportError as exc:  # a mistake in site.yaml or a report (`reportsite check` names it too)
        warn(f"deliver: nothing was sent: {exc.problems[0] if exc.problems else exc}")
        return 0
    except (OSError, ValueError) as exc:  # no built site, a broken manifest, a malformed REPORTSITE_NOW
        warn(f"deliver: nothing was sent: {exc}")
        return 0
    console.print(f"✓ sent {len(result.emails)} email(s) and {result.posts} webhook post(s)"
                  + (f", {len(result.warnings)} warning(s)" if result.warnings else ""), markup=False)
    if os.environ.get("GITHUB_OUTPUT"):  # the digests delivered in full, for the schedule's record
        with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as handle:
            handle.write(f"sent={' '.join(result.digests)}\n")
    return 0  # a message never fails the publish


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--site", default="_site", help="the built site (default: _site)")
    parser.add_argument("--target", help="the deploy target s3://bucket/prefix whose .reportsite/deliveries.json "
                                         f"keeps what was sent (default: ${TARGET_ENV})")
    parser.add_argument("--state", help="keep what was sent in this local file instead")


__all__ = ["add_arguments", "command", "now"]
