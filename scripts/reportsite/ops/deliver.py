"""``reportsite deliver``: after a publish, send the digests that are due and the alerts that changed.

It reads the built site (``_site``: each report's delivery record and PDF, private ones opened with their
audiences' passwords), the project's settings, and the state of what was sent (kept with the site), and
writes the state back for every message that went. Every failure to send is a warning: the publish has
already happened and is never failed by a message; an unsent message is tried again by the next run (a
digest within its catch-up window, an alert until it is sent).
"""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportsite.config.project import Project, load_project
from reportsite.ops import alerts, delivery_state, digests, mail
from reportsite.ops.delivery_records import records
from reportsite.ops.delivery_state import Store
from reportsite.ops.notify import post
from reportsite.values.words import Words

Warn = Callable[[str], None]
Log = Callable[[str], None]


@dataclass
class Delivered:
    emails: list[dict[str, Any]] = field(default_factory=list)  # {to, subject, attachments}
    posts: int = 0
    warnings: list[str] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)  # the due digests every channel has had (now or before)


def _webhook(variable: str, warn: Warn, what: str) -> str | None:
    url = os.environ.get(variable, "").strip()
    if not url:
        warn(f"deliver: {variable} is not set (site.yaml names it for {what}); that message was not posted")
    return url or None


def deliver(root: Path, site: Path, store: Store, now: dt.datetime, warn: Warn, log: Log = lambda _: None,
            ses: Any = None, project: Project | None = None) -> Delivered:
    project = project or load_project(root)
    settings = project.site
    words = Words.of(settings)  # every message is in the site's language
    result = Delivered()

    def warned(message: str) -> None:
        result.warnings.append(message)
        warn(message)

    base = os.environ.get("SITE_URL") or settings.base_url or ""
    found = records(project, site, warned)
    state = store.load(warned)
    local = now.astimezone(zoneinfo.ZoneInfo(settings.timezone))
    changed = False

    def send_mail(message: mail.Mail) -> bool:
        if not settings.email_from:
            warned(f"deliver: email '{message.subject}' to {', '.join(message.to)} was not sent: site.yaml has no "
                   "email_from (a sender verified in Amazon SES)")
            return False
        problem = mail.send(message, ses)
        if problem:
            warned(f"deliver: email '{message.subject}' to {', '.join(message.to)} was not sent: {problem}")
            return False
        result.emails.append({"to": message.to, "subject": message.subject,
                              "attachments": [a.name for a in message.attachments]})
        log(f"emailed '{message.subject}' to {', '.join(message.to)}")
        return True

    for name, digest in settings.digests.items():
        moment = digests.due_moment(digest, local)
        if moment is None:
            continue
        entry = state["digests"].get(name, {})
        told = set(entry.get("told", [])) if entry.get("sent_for") == moment.isoformat() else set()
        before = set(told)
        complete = True
        slugs = [s for s in digests.slugs_of(project, digest) if s in found]
        for addresses, allowed in digests.groups(project, digest, slugs):
            channel = "email:" + delivery_state.digest_of(",".join(sorted(addresses)))
            if channel in told:
                continue
            items = [found[s] for s in allowed]
            composed = digests.compose(settings.title, name, moment, items, base, words, settings.locale)
            if send_mail(digests.email(settings.email_from or "", addresses, composed, items, digest.attach_pdf,
                                       words)):
                told.add(channel)
            else:
                complete = False
        public = [found[s] for s in slugs if not found[s].private]
        if digest.webhook_env and public and "webhook" not in told:
            url = _webhook(digest.webhook_env, warned, f"digest '{name}'")
            if url and post(url, digests.slack_payload(digest.format, settings.title, name, public, base, words),
                            warned):
                result.posts += 1
                told.add("webhook")
            elif url:  # a post that failed is tried again; a webhook with no URL set waits for one
                complete = False
        if complete:
            result.digests.append(name)
        if told != before:  # each channel once per scheduled moment: one that failed is tried by the next run
            state["digests"][name] = {"sent_for": moment.isoformat(), "sent_at": now.isoformat(),
                                      "told": sorted(told)}
            changed = True

    configured = {r.slug: list(r.config.alerts) for r in project.reports}
    for change in alerts.changes(found, configured, state["alerts"]):
        told = set(change.told)
        if "email" in change.channels - told and send_mail(alerts.email(settings.email_from or "", settings.title,
                                                                        change, base, words)):
            told.add("email")
        if "webhook" in change.channels - told and change.alert.webhook_env:
            url = _webhook(change.alert.webhook_env, warned, f"an alert of {change.record.slug}")
            if url and post(url, alerts.payload(change.alert.format, settings.title, change, base, words), warned):
                result.posts += 1
                told.add("webhook")
        key = delivery_state.digest_of(change.seen["key"])
        if told != change.told or key not in state["alerts"]:
            state["alerts"][key] = {"holds": change.holds, "since": now.isoformat(), "told": sorted(told)}
            changed = True
    if changed:
        store.save(state, warned)
    return result


__all__ = ["Delivered", "deliver"]
