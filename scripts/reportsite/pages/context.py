"""What every item of one report's run shares: the session, the report and site, where downloads go, the
build's date, the problems found so far, the for_each pages others link to, and progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from reportsite.config.project import Report
from reportsite.config.site_models import SiteConfig
from reportsite.errors import Problems
from reportsite.query.session import Session
from reportsite.values.formats import Formats

Progress = Callable[[str, int, int], None]  # (what, done, total): pages or choices filled so far


def no_progress(what: str, done: int, total: int) -> None:
    """Progress nobody watches."""


@dataclass
class RunContext:
    """One report's run: built once by ``build.report_run``, read by every page and item."""

    session: Session
    report: Report
    site: SiteConfig
    downloads: Path | None  # the staging site's folder (None: nothing is written, as in ``check``)
    today: dt.date  # the build's date in the site's time zone: what date_range presets count back from
    problems: Problems = field(default_factory=Problems)
    families: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # for_each report → value → file
    progress: Progress = no_progress
    formats: Formats = field(init=False)

    def __post_init__(self) -> None:
        self.formats = Formats.of(self.site, self.report.config.currency)  # the report's currency, else the site's


__all__ = ["Progress", "RunContext", "no_progress"]
