"""Scheduled digests (site.yaml ``digests``): which are due, and their messages.

A digest is due when the latest moment of its schedule (in the site's time zone) is no more than
``CATCH_UP`` ago and the state says it was not sent for that moment: a run that starts late, or the next
hourly run after a dropped one, still sends it; a run after it was sent does not. Each recipient gets the
reports they may read: every public report, and a private one only when their address is in the emails of
one of its audiences; recipients who may read the same reports share one email. A webhook (Slack) gets the
public reports only: a private report is never sent to anything but its audience's addresses. Every word a
message adds is in the site's language (``Words``), its date written the site's locale's way.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Any

from reportsite.config.delivery_models import Digest
from reportsite.config.delivery_rules import readers
from reportsite.config.project import Project
from reportsite.ops.delivery_records import Record
from reportsite.ops.mail import Attachment, Mail, fitting
from reportsite.values import cadence
from reportsite.values.formats import babel_locale
from reportsite.values.words import Words

CATCH_UP = cadence.CATCH_UP  # how late a run may be and still send the digest of the moment it missed
SLOW_RUN = dt.timedelta(hours=1)  # the deploy job runs after the build: a run the schedule job found due still sends


def due_moment(digest: Digest, local_now: dt.datetime) -> dt.datetime | None:
    """The scheduled moment a run now sends the digest for (unless the state says it went), or None."""
    moment = cadence.parse(digest.schedule).latest(local_now)
    return None if local_now - moment > CATCH_UP + SLOW_RUN else moment


def slugs_of(project: Project, digest: Digest) -> list[str]:
    """The reports a digest carries: those it names, in its order, then those of its audience."""
    built = [r.slug for r in project.reports]
    named = [s for s in digest.reports if s in built]
    if digest.audience:
        named += [r.slug for r in project.reports if digest.audience in r.config.access and r.slug not in named]
    return named


def recipients(project: Project, digest: Digest) -> list[str]:
    site = project.site
    audience = site.audiences.get(digest.audience) if digest.audience else None
    return list(dict.fromkeys(digest.to or (audience.emails if audience else [])))


def groups(project: Project, digest: Digest, slugs: list[str]) -> list[tuple[list[str], list[str]]]:
    """(addresses, report names) pairs: each address with exactly the reports it may receive."""
    by_slug = {r.slug: r for r in project.reports}
    shared: dict[tuple[str, ...], list[str]] = {}
    for address in recipients(project, digest):
        allowed = tuple(s for s in slugs if (found := readers(project, by_slug[s])) is None
                        or address.lower() in found)
        if allowed:
            shared.setdefault(allowed, []).append(address)
    return [(addresses, list(allowed)) for allowed, addresses in shared.items()]


@dataclass
class Composed:
    subject: str
    text: str
    html: str


def _link(base: str, record: Record) -> str:
    return base.rstrip("/") + "/" + record.page


def compose(site_title: str, name: str, moment: dt.datetime, items: list[Record], base: str,
            words: Words, locale: str) -> Composed:
    """A digest's subject, text and HTML in the site's words, its date written the locale's way."""
    from babel.dates import format_date

    day = str(format_date(moment.date(), format="medium", locale=babel_locale(locale)))
    subject = words.gettext("%(site)s: %(name)s digest, %(date)s — %(reports)s", site=site_title, name=name,
                            date=day, reports=", ".join(r.title for r in items))
    heading = words.gettext("%(site)s — %(name)s digest", site=site_title, name=name)
    opening = words.gettext("Open the report")
    text, parts = [heading, ""], []
    for record in items:
        lines = [record.title + (f" ({record.data_as_of})" if record.data_as_of else "")]
        lines += [f"  {m['name']}: {m['value']}" + (f" ({m['change']})" if m.get("change") else "")
                  for m in record.headlines]
        lines.append("  " + words.gettext("Open the report: %(url)s", url=_link(base, record)))
        text += [*lines, ""]
        rows = "".join(f"<tr><td style=\"padding:2px 12px 2px 0;color:#475569\">{html.escape(m['name'])}</td>"
                       f"<td style=\"padding:2px 12px 2px 0;font-weight:600\">{html.escape(str(m['value']))}</td>"
                       f"<td style=\"color:#475569\">{html.escape(m.get('change') or '')}</td></tr>"
                       for m in record.headlines)
        parts.append(f"<h2 style=\"font-size:16px;margin:20px 0 4px\">{html.escape(record.title)}</h2>"
                     f"<p style=\"margin:0 0 8px;color:#64748b;font-size:12px\">{html.escape(record.data_as_of)}</p>"
                     + (f"<table style=\"font-size:14px;border-collapse:collapse\">{rows}</table>" if rows else "")
                     + f"<p><a href=\"{html.escape(_link(base, record))}\">{html.escape(opening)}</a></p>")
    body = (f"<div style=\"font-family:system-ui,sans-serif;color:#0f172a\"><h1 style=\"font-size:18px\">"
            f"{html.escape(heading)}</h1>{''.join(parts)}</div>")
    return Composed(subject, "\n".join(text).rstrip() + "\n", body)


def email(sender: str, addresses: list[str], composed: Composed, items: list[Record], attach: bool,
          words: Words) -> Mail:
    attachments = [Attachment(r.pdf_name, r.pdf) for r in items if attach and r.pdf is not None]
    kept, left = fitting(attachments)
    text, body = composed.text, composed.html
    if left:
        note = words.ngettext("Too large to attach: %(files)s; download it from its report's page.",
                              "Too large to attach: %(files)s; download them from the reports' pages.",
                              len(left), files=", ".join(left))
        text, body = text + "\n" + note + "\n", body + f"<p>{html.escape(note)}</p>"
    return Mail(sender, addresses, composed.subject, text, body, kept)


def slack_payload(fmt: str, site_title: str, name: str, items: list[Record], base: str,
                  words: Words) -> dict[str, Any]:
    if fmt == "json":
        return {"event": "digest", "digest": name, "site": site_title,
                "reports": [{"slug": r.slug, "title": r.title, "url": _link(base, r), "data_as_of": r.data_as_of,
                             "metrics": r.headlines} for r in items]}
    bold = f"*{_slack(site_title)}*"
    lines = [words.gettext("%(site)s — %(name)s digest", site=bold, name=_slack(name))]
    for record in items:
        metrics = "; ".join(_slack(f"{m['name']}: {m['value']}" + (f" ({m['change']})" if m.get("change") else ""))
                            for m in record.headlines)
        lines.append(f"• <{_link(base, record)}|{_slack(record.title)}>" + (f" — {metrics}" if metrics else ""))
    text = "\n".join(lines)
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def _slack(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["CATCH_UP", "Composed", "compose", "due_moment", "email", "groups", "recipients",
           "slack_payload", "slugs_of"]
