"""Alerts (a report's ``alerts``): a message when a condition becomes true, and one when it clears; nothing
on the runs in between. The build records what each alert saw (``delivery.json``); this compares it with
the state of the last message sent for it. An alert seen for the first time tells only when it holds. Its
messages are in the site's language (``Words``).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from reportsite.config.alert_models import Alert
from reportsite.ops.delivery_records import Record
from reportsite.ops.delivery_state import digest_of
from reportsite.ops.mail import Mail
from reportsite.values.words import Words


@dataclass
class Change:
    record: Record
    alert: Alert
    seen: dict[str, Any]  # what the build recorded: name, subject, condition, threshold, shown, holds
    told: set[str]  # the channels already told of this change (a run that could reach only some of them)

    @property
    def holds(self) -> bool:
        return bool(self.seen["holds"])

    @property
    def channels(self) -> set[str]:
        """email, webhook: where this alert goes (a private report's never to a webhook)."""
        return ({"email"} if self.alert.to else set()) | \
            ({"webhook"} if self.alert.webhook_env and not self.record.private else set())


def changes(records: dict[str, Record], config_alerts: dict[str, list[Alert]],
            state: dict[str, Any]) -> list[Change]:
    """The alerts whose condition changed since the last message (or first holds), and those whose last change
    some channel has not heard of yet."""
    found = []
    for slug, record in records.items():
        alerts = config_alerts.get(slug, [])
        for alert, seen in zip(alerts, record.alerts, strict=False):
            if seen.get("key") != f"{slug}/{alert.label()}":
                continue  # the record is older than the report file: its next build records it
            entry = state.get(digest_of(seen["key"]))
            if entry is None and not seen["holds"]:
                continue  # never held: nothing to say
            same = entry is not None and entry.get("holds") == seen["holds"]
            change = Change(record, alert, seen, set(entry.get("told", [])) if same and entry else set())
            if not change.channels <= change.told:
                found.append(change)
    return found


def _subject(change: Change, words: Words) -> str:
    """What the alert tests: its metric's name, or "query" in the site's words."""
    tested = str(change.seen["subject"])
    return words.gettext("query") if tested == "query" and change.alert.metric is None else tested


def subject(site_title: str, change: Change, words: Words) -> str:
    seen = change.seen
    values = {"site": site_title, "alert": seen["name"], "report": change.record.title,
              "subject": _subject(change, words), "value": seen["shown"]}
    if change.holds:
        return words.gettext("%(site)s: alert: %(alert)s — %(report)s: %(subject)s is %(value)s", **values)
    return words.gettext("%(site)s: cleared: %(alert)s — %(report)s: %(subject)s is %(value)s", **values)


def sentence(change: Change, words: Words) -> str:
    seen = change.seen
    values = {"report": change.record.title, "subject": _subject(change, words), "value": seen["shown"],
              "condition": seen["condition"], "threshold": seen["threshold"]}
    if change.holds:
        return words.gettext("%(report)s: %(subject)s is %(value)s; the condition %(condition)s "
                             "(threshold %(threshold)s) now holds.", **values)
    return words.gettext("%(report)s: %(subject)s is %(value)s; the condition %(condition)s "
                         "(threshold %(threshold)s) no longer holds.", **values)


def email(sender: str, site_title: str, change: Change, base: str, words: Words) -> Mail:
    link = base.rstrip("/") + "/" + change.record.page
    said = sentence(change, words)
    text = f"{said}\n\n{words.gettext('Open the report: %(url)s', url=link)}\n"
    body = (f"<div style=\"font-family:system-ui,sans-serif;color:#0f172a\"><p>{html.escape(said)}</p>"
            f"<p><a href=\"{html.escape(link)}\">{html.escape(words.gettext('Open the report'))}</a></p></div>")
    return Mail(sender, list(change.alert.to), subject(site_title, change, words), text, body)


def payload(fmt: str, site_title: str, change: Change, base: str, words: Words) -> dict[str, Any]:
    link = base.rstrip("/") + "/" + change.record.page
    seen = change.seen
    if fmt == "json":
        return {"event": "alert" if change.holds else "cleared", "site": site_title, "report": change.record.slug,
                "alert": seen["name"], "subject": seen["subject"], "value": seen["shown"],
                "condition": seen["condition"], "threshold": seen["threshold"], "url": link}
    safe = _slack(sentence(change, words))
    if change.holds:
        # Translators: Slack's markup: *Alert* is the word in bold; keep the asterisks around it.
        said = words.gettext("*Alert*: %(message)s", message=safe)
    else:
        # Translators: Slack's markup: *Cleared* is the word in bold; keep the asterisks around it.
        said = words.gettext("*Cleared*: %(message)s", message=safe)
    text = f"{said}\n<{link}|{_slack(words.gettext('Open the report'))}>"
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def _slack(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["Change", "changes", "email", "payload", "sentence", "subject"]
