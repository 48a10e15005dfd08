"""When a digest is due: ``daily at 07:30``, ``weekdays at 08:00``, ``weekly on monday at 08:00``,
``monthly on the 1st at 08:00`` (or ``on day 15``), read in the site's time zone.

``latest`` gives the most recent scheduled moment at or before a time: a run that comes late (GitHub starts
scheduled runs late at busy times, or drops one) still finds the moment it has to catch up on, and the state
of what was sent says whether it already went. Standard library only: the workflow's schedule job uses it
before anything else is installed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

CATCH_UP = dt.timedelta(hours=3)  # how late a run may be and still send what it missed (GitHub starts late)
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EXAMPLES = "daily at 07:30, weekdays at 08:00, weekly on monday at 08:00, monthly on the 1st at 08:00"
_AT = r"(?:\s+at\s+(?P<hour>\d{1,2}):(?P<minute>\d{2}))?"
_FORMS = {
    "daily": re.compile(rf"^daily{_AT}$"),
    "weekdays": re.compile(rf"^weekdays{_AT}$"),
    "weekly": re.compile(rf"^weekly\s+on\s+(?P<day>[a-z]+){_AT}$"),
    "monthly": re.compile(rf"^monthly\s+on\s+(?:the\s+(?P<nth>\d{{1,2}})(?:st|nd|rd|th)|day\s+(?P<dom>\d{{1,2}}))"
                          rf"{_AT}$"),
}


@dataclass(frozen=True)
class Cadence:
    kind: str  # daily | weekdays | weekly | monthly
    hour: int
    minute: int
    weekday: int = 0  # weekly: 0 is Monday
    day: int = 1  # monthly: 1-28

    def _fits(self, day: dt.date) -> bool:
        return {"daily": True, "weekdays": day.weekday() < 5, "weekly": day.weekday() == self.weekday,
                "monthly": day.day == self.day}[self.kind]

    def latest(self, local: dt.datetime) -> dt.datetime:
        """The most recent scheduled moment at or before ``local`` (an aware time in the site's zone)."""
        day = local.date()
        for _ in range(32 if self.kind == "monthly" else 8):
            moment = dt.datetime.combine(day, dt.time(self.hour, self.minute), tzinfo=local.tzinfo)
            if self._fits(day) and moment <= local:
                return moment
            day -= dt.timedelta(days=1)
        raise AssertionError("unreachable: every cadence recurs within a month")

    def due(self, local: dt.datetime) -> bool:
        """Whether a run at ``local`` falls within ``CATCH_UP`` after the latest scheduled moment."""
        return local - self.latest(local) <= CATCH_UP

    @property
    def period(self) -> dt.timedelta:
        return {"daily": dt.timedelta(days=1), "weekdays": dt.timedelta(days=1), "weekly": dt.timedelta(days=7),
                "monthly": dt.timedelta(days=28)}[self.kind]


def parse(text: str) -> Cadence:
    """Raises ValueError saying what is expected."""
    written = " ".join(str(text).lower().split())
    for kind, pattern in _FORMS.items():
        found = pattern.match(written)
        if not found:
            continue
        hour, minute = int(found.group("hour") or 8), int(found.group("minute") or 0)
        if hour > 23 or minute > 59:
            raise ValueError(f"'{text}': {hour:02d}:{minute:02d} is not a time of day (00:00 to 23:59)")
        if kind == "weekly":
            name = found.group("day")
            match = [i for i, day in enumerate(DAYS) if day.startswith(name[:3]) and day.startswith(name)]
            if not match:
                raise ValueError(f"'{text}': '{name}' is not a day of the week; use one of: {', '.join(DAYS)}")
            return Cadence(kind, hour, minute, weekday=match[0])
        if kind == "monthly":
            day = int(found.group("nth") or found.group("dom"))
            if not 1 <= day <= 28:
                raise ValueError(f"'{text}': day {day} is not in every month; use a day from 1 to 28")
            return Cadence(kind, hour, minute, day=day)
        return Cadence(kind, hour, minute)
    raise ValueError(f"'{text}' is not a schedule; write one like: {EXAMPLES}")


__all__ = ["CATCH_UP", "DAYS", "EXAMPLES", "Cadence", "parse"]
