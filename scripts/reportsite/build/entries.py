"""A report's entry in ``manifest.json``: what the index, deploy, smoke and notify read back about it."""

from __future__ import annotations

from typing import Any

from reportsite.build.manifest_model import AthenaUse, Entry, Headline, SourceUse
from reportsite.config.project import Report
from reportsite.pages import markdown_text, notices

FAMILY_SAMPLE = 3  # pages of a for_each report smoke opens (it follows the listing's links to all of them)


def pages_to_check(slug: str, entry: Entry) -> list[str]:
    members = entry.members or {}
    return [f"reports/{slug}.html", *[f"reports/{slug}/{file}.html" for file in list(members.values())[:FAMILY_SAMPLE]]]


def report_entry(report: Report, page: Any, fingerprint: str | None, failed: bool, built_at: str,
                 files: list[str], pdf: str | None) -> Entry:
    family = report.config.for_each is not None and not failed
    return Entry(
        title=page.title,
        description=markdown_text.plain(report.config.description, report.config.parameters),
        update_frequency=page.update_frequency,
        data_modified=page.data_modified,
        data_as_of=page.data_as_of,
        data_as_of_label=page.data_as_of_label,
        data_as_of_at=page.data_as_of_at,
        status="failed" if failed else "ok",
        fingerprint=None if failed else fingerprint,
        built_at=built_at,
        rows=page.rows_returned,
        charts=len(report.config.charts) if page.members else len(page.charts),  # a for_each page's
        metrics=len(report.config.metrics) if page.members else len(page.metrics),
        headlines=[Headline(name=m.name, value=m.exact, change=m.change.text if m.change else None)
                   for m in page.metrics],  # the metric cards, for notify's messages
        tables=len(report.config.tables) if page.members else len(page.tables),
        sources=[SourceUse.from_json(source) for source in page.sources],
        problems=page.problems,
        warnings=page.warnings,
        stale=any(notices.is_stale(w) for w in page.warnings),
        seconds={k: round(v, 4) for k, v in page.seconds.items()},
        athena=AthenaUse.from_json(page.athena) if page.athena is not None else None,
        files=list(dict.fromkeys(files)),
        members={m.token: m.file for m in page.members} if family else None,
        pages=len(page.members) if family else None,
        pdf=pdf,
    )


__all__ = ["FAMILY_SAMPLE", "pages_to_check", "report_entry"]
