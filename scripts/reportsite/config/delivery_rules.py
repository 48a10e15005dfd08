"""What digests and alerts may send where, checked with the rest of the project before any query runs.

Each mistake is one located message. Anything that would send a private report beyond its audiences (an address
not in their ``emails``, a webhook) is an error, found before any query runs. A digest naming a report or
audience that does not exist, or an alert on a metric the report does not have, is a warning: it stops no
publish (pull requests' ``--strict`` fails on it). A missing sender (``email_from``) is not a build error:
like any message that cannot be sent, ``reportsite deliver`` warns about it, and ``reportsite init`` names it.
"""

from __future__ import annotations

from reportsite.config.project import SITE_FILE, Project, Report
from reportsite.config.yamlsrc import load_file
from reportsite.errors import Problem, did_you_mean


def problems(project: Project) -> list[Problem]:
    """Errors: anything that would send a private report beyond its audiences."""
    return [p for p in [*_digest_problems(project), *_alert_problems(project)] if p.message.startswith(PRIVATE)]


def warnings(project: Project) -> list[str]:
    """Warnings: names that lead nowhere (a report, an audience, a metric). A digest or an alert that cannot be
    sent never stops the site from being published; pull requests (--strict) fail on them."""
    return [str(p) for p in [*_digest_problems(project), *_alert_problems(project)]
            if not p.message.startswith(PRIVATE)]


PRIVATE = "private: "  # the start of every message about where a private report may go


def _site(project: Project, key: tuple[str | int, ...], message: str) -> Problem:
    path = project.root / SITE_FILE
    if not path.exists():
        return Problem(message, SITE_FILE.as_posix())
    return load_file(path, SITE_FILE.as_posix()).problem(key, message)


def readers(project: Project, report: Report) -> set[str] | None:
    """The addresses a private report may be emailed to (its audiences' emails); None for a public report."""
    if not report.config.access:
        return None
    audiences = project.site.audiences
    return {email.lower() for name in report.config.access if name in audiences for email in audiences[name].emails}


def _digest_problems(project: Project) -> list[Problem]:
    site, found = project.site, []
    slugs = {r.slug: r for r in project.reports}
    for name, digest in site.digests.items():
        key = ("digests", name)
        for index, slug in enumerate(digest.reports):
            if slug not in slugs:
                found.append(_site(project, (*key, "reports", index), f"digest '{name}': no report named '{slug}' "
                                   f"in reports/{did_you_mean(slug, list(slugs))}"))
        if digest.audience is not None and digest.audience not in site.audiences:
            known = ", ".join(sorted(site.audiences)) or "none"
            found.append(_site(project, (*key, "audience"), f"digest '{name}': unknown audience "
                               f"'{digest.audience}'{did_you_mean(digest.audience, list(site.audiences))}; "
                               f"{SITE_FILE.as_posix()} defines: {known}"))
            continue
        emails = digest.to or (site.audiences[digest.audience].emails if digest.audience else [])
        if not emails and not digest.webhook_env:
            found.append(_site(project, key, f"digest '{name}' has no one to send to: add to (email addresses)"
                               + (f", emails to audience '{digest.audience}'" if digest.audience else "")
                               + " or webhook_env"))
        for index, slug in enumerate(digest.reports):
            report = slugs.get(slug)
            allowed = readers(project, report) if report else None
            if allowed is not None and not allowed & {e.lower() for e in emails}:
                found.append(_site(project, (*key, "reports", index),
                                   f"{PRIVATE}digest '{name}': '{slug}' is private and none of the digest's "
                                   "addresses is in the emails of its audiences "
                                   f"({', '.join(report.config.access) if report else ''}); it would reach no "
                                   "one: add the addresses to the audience's emails or leave the report out"))
    return found


def _alert_problems(project: Project) -> list[Problem]:
    found = []
    for report in project.reports:
        config = report.config
        allowed = readers(project, report)
        metrics = [m.name for m in config.metrics]
        for index, alert in enumerate(config.alerts):
            key = ("alerts", index)
            if alert.metric is not None and config.for_each is not None:
                found.append(report.problem((*key, "metric"), "a for_each report has a value per page, not one: "
                                            "test a query instead (query: …, when: 'value > …')"))
            elif alert.metric is not None and alert.metric not in metrics:
                found.append(report.problem((*key, "metric"), f"no metric named '{alert.metric}'"
                                            f"{did_you_mean(alert.metric, metrics)}; the report's metrics: "
                                            f"{', '.join(metrics) or 'none'}"))
            if allowed is None:
                continue
            for number, email in enumerate(alert.to):
                if email.lower() not in allowed:
                    found.append(report.problem((*key, "to", number), f"{PRIVATE}'{email}' is not in the emails of "
                                                f"this private report's audiences ({', '.join(config.access)}); its "
                                                "alerts go only to them"))
            if alert.webhook_env:
                found.append(report.problem((*key, "webhook_env"), f"{PRIVATE}a private report's alerts go only to its "
                                            "audiences' email addresses, never to a webhook"))
    return found


__all__ = ["PRIVATE", "problems", "readers", "warnings"]
