"""Digests and alerts end to end: a built site, `reportsite deliver` at chosen times, SES on moto's server (over
HTTP on 127.0.0.1, reached through the AWS environment variables) read back from /moto-api/data.json, and
webhooks on a loopback receiver."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import html
import io
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import requests

from reportsite.build.builder import BuildOptions, build
from reportsite.cli.main import main
from reportsite.pdf.paper import A4
from reportsite.values.words import Words
from tests.support.webhook import webhook_receiver

PASSWORD = "correct-horse-battery-staple-42"
SENDER = "reports@acme.example"

SITE = """\
title: "Test Reports"
data_root: "{data}"
base_url: "https://reports.acme.example/"
email_from: "Acme Reports <{sender}>"
pdf: {{paper: a4}}
audiences:
  finance: {{password_env: REPORTSITE_PASSWORD_FINANCE, emails: [cfo@acme.example]}}
digests:
  weekly:
    schedule: "weekly on monday at 08:00"
    reports: [sales, margins]
    to: [owner@acme.example, cfo@acme.example]
    webhook_env: DIGEST_HOOK
"""
SALES = """\
title: "Sales"
data_sources: {sales: sales.parquet, flags: flags.csv}
metrics:
  - name: "Revenue"
    query: "SELECT SUM(amount) AS value FROM sales"
    format: currency
tables:
  - name: "Revenue by region"
    query: "SELECT region, SUM(amount) AS revenue FROM sales GROUP BY 1 ORDER BY 1"
    columns: {revenue: currency}
alerts:
  - name: "Flagged orders"
    query: "SELECT count(*) AS value FROM flags WHERE level > 100"
    when: "value > 0"
    to: [owner@acme.example]
    webhook_env: ALERT_HOOK
"""
MARGINS = """\
title: "Margins"
access: [finance]
data_source: sales.parquet
metrics:
  - name: "Orders"
    query: "SELECT count(*) AS value FROM sales"
"""


@pytest.fixture
def project(make_project, sample_data: Path, tmp_path: Path, s3, s3_server: str,  # type: ignore[no-untyped-def]
            monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(sample_data / "sales.parquet", data / "sales.parquet")
    (data / "flags.csv").write_text("id,level\n1,50\n", encoding="utf-8")
    root = make_project({"sales.yaml": SALES, "margins.yaml": MARGINS},
                        site_yaml=SITE.format(data=data, sender=SENDER))
    monkeypatch.setenv("REPORTSITE_PASSWORD_FINANCE", PASSWORD)
    monkeypatch.delenv("SITE_URL", raising=False)
    s3.create_bucket(Bucket="site")
    import boto3

    boto3.client("ses", endpoint_url=s3_server, region_name="us-east-1").verify_email_identity(EmailAddress=SENDER)
    return root


def sent(server: str) -> list[dict[str, Any]]:
    """Every raw message SES accepted: its envelope recipients, headers, text and attachments."""
    data = requests.get(f"{server}/moto-api/data.json", timeout=10).json()
    out = []
    for raw in data["ses"]["RawMessage"]:
        # as bytes: parsed from a str, an 8bit body's non-ASCII letters come back escaped ("\\u2014")
        message = email.message_from_bytes(raw["raw_data"].encode("utf-8"), policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        rich = message.get_body(preferencelist=("html",))
        out.append({
            "to": sorted(set(raw["destinations"])),
            "subject": str(message["Subject"]),
            "text": body.get_content() if body else "",
            "html": rich.get_content() if rich else "",
            "attachments": {part.get_filename(): part.get_content() for part in message.iter_attachments()},
        })
    return out


class MailHtml(HTMLParser):
    """An email's HTML read back: the text of its headings and its links (href, text)."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.paragraphs: list[str] = []
        self._open: list[str] = []
        self._href = ""
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open.append(tag)
        if tag in ("h1", "h2"):
            self.headings.append("")
        elif tag == "p":
            self.paragraphs.append("")
        elif tag == "a":
            self._href = dict(attrs).get("href") or ""
            self.links.append((self._href, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag):]

    def handle_data(self, data: str) -> None:
        if any(t in ("h1", "h2") for t in self._open):
            self.headings[-1] += data
        if "p" in self._open:
            self.paragraphs[-1] += data
        if "a" in self._open:
            self.links[-1] = (self.links[-1][0], self.links[-1][1] + data)


def deliver_at(root: Path, when: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("REPORTSITE_NOW", when)
    return main(["--project", str(root), "deliver", "--target", "s3://site/prod"])


def test_a_weekly_digest_goes_once_per_week_across_hourly_runs_even_late_and_private_reports_only_to_their_audience(
        project: Path, s3_server: str, monkeypatch: pytest.MonkeyPatch, s3) -> None:  # type: ignore[no-untyped-def]
    build(project, BuildOptions(out=project / "_site"))
    with webhook_receiver() as hook:
        monkeypatch.setenv("DIGEST_HOOK", hook.url)
        assert deliver_at(project, "2026-12-07T07:07:00+00:00", monkeypatch) == 0  # Monday, before 08:00
        assert sent(s3_server) == []
        # the 08:07 run was dropped; the next one starts late, at 09:41, and catches up
        assert deliver_at(project, "2026-12-07T09:41:00+00:00", monkeypatch) == 0
        first = sent(s3_server)
        for when in ("2026-12-07T10:07:00+00:00", "2026-12-07T11:07:00+00:00", "2026-12-08T08:07:00+00:00"):
            assert deliver_at(project, when, monkeypatch) == 0
        assert sent(s3_server) == first  # once, and only once
        assert len(hook.posts) == 1
        assert deliver_at(project, "2026-12-14T08:07:00+00:00", monkeypatch) == 0  # the next Monday
        assert len(sent(s3_server)) == 2 * len(first)
    by_reader = {m["to"][0]: m for m in first}
    assert sorted(by_reader) == ["cfo@acme.example", "owner@acme.example"]
    assert by_reader["owner@acme.example"]["subject"] == "Test Reports: weekly digest, Dec 7, 2026 — Sales"
    assert by_reader["cfo@acme.example"]["subject"] == "Test Reports: weekly digest, Dec 7, 2026 — Sales, Margins"
    assert "Margins" not in by_reader["owner@acme.example"]["text"]
    assert "https://reports.acme.example/reports/sales.html" in by_reader["owner@acme.example"]["text"]
    assert "Revenue: $" in by_reader["owner@acme.example"]["text"]
    assert "Orders: 20,000" in by_reader["cfo@acme.example"]["text"]
    owner = by_reader["owner@acme.example"]
    lines = owner["text"].splitlines()
    assert lines[:2] == ["Test Reports — weekly digest", ""]
    assert "  Open the report: https://reports.acme.example/reports/sales.html" in lines
    read = MailHtml(owner["html"])
    assert read.headings[:2] == ["Test Reports — weekly digest", "Sales"]
    assert read.links == [("https://reports.acme.example/reports/sales.html", "Open the report")]
    slack = hook.posts[0]["text"]
    assert "Sales" in slack and "Margins" not in slack and "reports/sales.html" in slack
    assert slack.startswith("*Test Reports* — weekly digest\n• <https://reports.acme.example/reports/sales.html|Sales>")
    state = s3.get_object(Bucket="site", Key="prod/.reportsite/deliveries.json")["Body"].read()
    assert b'"sent_for": "2026-12-14T08:00:00+00:00"' in state
    assert b"acme.example" not in state and b"Margins" not in state  # kept with the site: names nothing


def test_an_alert_is_sent_when_its_condition_becomes_true_and_when_it_clears_never_in_between(
        project: Path, s3_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    flags = Path(str(project.parent / "data" / "flags.csv"))
    state = project / "state.json"

    def run(level: int) -> None:
        flags.write_text(f"id,level\n1,{level}\n", encoding="utf-8")
        build(project, BuildOptions(out=project / "_site"))
        monkeypatch.setenv("REPORTSITE_NOW", "2026-12-09T12:07:00+00:00")  # a Wednesday: no digest is due
        assert main(["--project", str(project), "deliver", "--state", str(state)]) == 0

    with webhook_receiver() as hook:
        monkeypatch.setenv("ALERT_HOOK", hook.url)
        run(50)
        assert sent(s3_server) == [] and hook.posts == []  # below the line: nothing to say
        run(150)
        crossed = sent(s3_server)
        assert [m["subject"] for m in crossed] == [
            "Test Reports: alert: Flagged orders — Sales: query is 1"]
        assert crossed[0]["to"] == ["owner@acme.example"]
        assert crossed[0]["text"].splitlines() == [
            "Sales: query is 1; the condition value > 0 (threshold 0) now holds.", "",
            "Open the report: https://reports.acme.example/reports/sales.html"]
        read = MailHtml(crossed[0]["html"])
        assert read.paragraphs[0] == "Sales: query is 1; the condition value > 0 (threshold 0) now holds."
        assert read.links == [("https://reports.acme.example/reports/sales.html", "Open the report")]
        assert hook.posts[0]["text"] == ("*Alert*: Sales: query is 1; the condition value &gt; 0 (threshold 0) now "
                                         "holds.\n<https://reports.acme.example/reports/sales.html|Open the report>")
        run(151)  # still above: a new value, no new message
        run(160)
        assert len(sent(s3_server)) == 1 and len(hook.posts) == 1
        run(50)
        cleared = sent(s3_server)[1:]
        assert [m["subject"] for m in cleared] == ["Test Reports: cleared: Flagged orders — Sales: query is 0"]
        assert cleared[0]["text"].splitlines()[0] == \
            "Sales: query is 0; the condition value > 0 (threshold 0) no longer holds."
        assert len(hook.posts) == 2 and hook.posts[1]["text"].startswith("*Cleared*")


def test_a_message_that_cannot_be_sent_warns_and_is_tried_again_without_repeating_what_went(
        project: Path, s3_server: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    build(project, BuildOptions(out=project / "_site"))
    import boto3

    ses = boto3.client("ses", endpoint_url=s3_server, region_name="us-east-1")
    ses.delete_identity(Identity=SENDER)  # SES now refuses the sender
    monkeypatch.setenv("DIGEST_HOOK", "http://127.0.0.1:9/hooks")  # nothing listens there
    outputs = project / "github-output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    assert deliver_at(project, "2026-12-07T08:07:00+00:00", monkeypatch) == 0
    captured = capsys.readouterr()
    err = " ".join((captured.err + captured.out).split())
    assert "was not sent: SES refused the message (MessageRejected" in err
    assert sent(s3_server) == []
    ses.verify_email_identity(EmailAddress=SENDER)
    assert deliver_at(project, "2026-12-07T09:07:00+00:00", monkeypatch) == 0  # the next hourly run
    assert len(sent(s3_server)) == 2  # the emails went; the webhook is still down
    assert deliver_at(project, "2026-12-07T10:07:00+00:00", monkeypatch) == 0
    assert len(sent(s3_server)) == 2  # tried again for the webhook alone: no email twice
    captured = capsys.readouterr()
    assert "could not reach the webhook" in captured.err + captured.out
    # the schedule's record is told no digest went in full, so the next run in the window tries again
    assert outputs.read_text().splitlines() == ["sent="] * 3
    monkeypatch.delenv("DIGEST_HOOK")  # a webhook with no URL is a warning that no later run can fix
    assert deliver_at(project, "2026-12-07T10:37:00+00:00", monkeypatch) == 0
    assert outputs.read_text().splitlines()[-1] == "sent=weekly"


@pytest.mark.browser
def test_the_pdfs_read_like_the_page_and_a_private_one_is_sealed_and_mailed_only_to_its_audience(
        project: Path, s3_server: str, monkeypatch: pytest.MonkeyPatch, sample_data: Path) -> None:
    import duckdb
    from pypdf import PdfReader

    from reportsite.config.project import load_project
    from reportsite.private import access

    build(project, BuildOptions(out=project / "_site", pdf=True))
    site = project / "_site"
    reader = PdfReader(site / "data/sales/sales.pdf")
    assert len(reader.pages) >= 1
    size = [float(v) for v in reader.pages[0].mediabox[2:]]
    assert all(abs(got - want) < 1.5 for got, want in zip(size, A4.points, strict=True)), size  # A4, not Letter
    text = "\n".join(page.extract_text() for page in reader.pages)
    expected = duckdb.sql(f"SELECT region, round(SUM(amount), 2) FROM '{sample_data / 'sales.parquet'}' "
                          "GROUP BY 1 ORDER BY 1").fetchall()
    for region, revenue in expected:
        assert f"{region} ${revenue:,.2f}" in text, (region, revenue)
    assert "Test Reports" in text and "Page 1 of" in text and "Revenue by region" in text
    assert 'data-testid="pdf-link"' in (site / "reports/sales.html").read_text(encoding="utf-8")

    # the private report's PDF is sealed in the site: no file of its name, no PDF in clear
    assert not (site / "data/margins/margins.pdf").exists()
    sealed = [p for p in (site / "data/margins").rglob("*.pdf")]
    assert len(sealed) == 1 and not sealed[0].read_bytes().startswith(b"%PDF")
    lock = access.locks(load_project(project))["margins"]
    from reportsite.build.sealing import hidden_name
    from reportsite.private.crypto import unseal

    opened = PdfReader(io.BytesIO(unseal(lock.key, (site / hidden_name(lock, "margins", "data/margins/margins.pdf"))
                                         .read_bytes())))
    assert "Margins" in opened.pages[0].extract_text()

    with webhook_receiver() as hook:
        monkeypatch.setenv("DIGEST_HOOK", hook.url)
        assert deliver_at(project, "2026-12-07T08:07:00+00:00", monkeypatch) == 0
    mails = {m["to"][0]: m for m in sent(s3_server)}
    assert sorted(mails["owner@acme.example"]["attachments"]) == ["sales.pdf"]
    assert sorted(mails["cfo@acme.example"]["attachments"]) == ["margins.pdf", "sales.pdf"]
    attached = PdfReader(io.BytesIO(mails["cfo@acme.example"]["attachments"]["sales.pdf"]))
    assert len(attached.pages) == len(reader.pages)
    assert "Orders" in PdfReader(io.BytesIO(mails["cfo@acme.example"]["attachments"]["margins.pdf"])).pages[0] \
        .extract_text()


def test_deliver_never_fails_the_publish_even_without_a_built_site(project: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--project", str(project), "deliver", "--state", str(project / "state.json")]) == 0
    captured = capsys.readouterr()
    assert "warning: deliver: nothing was sent: [Errno 2] No such file or directory" in " ".join(
        (captured.out + captured.err).split())


def test_without_a_sender_emails_are_a_warning_and_the_build_still_passes(project: Path, s3_server: str,
                                                                          monkeypatch: pytest.MonkeyPatch,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    site = project / "site_src" / "site.yaml"
    site.write_text("\n".join(line for line in site.read_text(encoding="utf-8").splitlines()
                              if not line.startswith("email_from")) + "\n", encoding="utf-8")
    build(project, BuildOptions(out=project / "_site"))
    assert deliver_at(project, "2026-12-07T08:07:00+00:00", monkeypatch) == 0
    captured = capsys.readouterr()
    assert "to owner@acme.example was not sent: site.yaml has no email_from (a sender verified in Amazon SES)" in \
        " ".join((captured.out + captured.err).split())
    assert sent(s3_server) == []


GROWTH = """\
title: "Growth"
data_source: sales.parquet
metrics:
  - name: "Orders"
    query: "SELECT 120 AS value, 100 AS previous"
alerts:
  - name: "Fast growth"
    metric: "Orders"
    when: "change > 10%"
    to: [owner@acme.example]
"""


def test_a_german_site_s_digest_and_alerts_are_written_in_german(project: Path, s3_server: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    site = project / "site_src" / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8") + 'locale: "de-DE"\n', encoding="utf-8")  # language: de
    (project / "reports" / "growth.yaml").write_text(GROWTH, encoding="utf-8")
    flags = project.parent / "data" / "flags.csv"
    flags.write_text("id,level\n1,150\n", encoding="utf-8")  # the alert holds
    build(project, BuildOptions(out=project / "_site"))
    sales = "https://reports.acme.example/reports/sales.html"
    grown = "Growth: Orders ist +20,0\u00a0% (120, zuvor 100)"  # German numbers: a no-break space before %
    with webhook_receiver() as hook:
        monkeypatch.setenv("DIGEST_HOOK", hook.url)
        monkeypatch.setenv("ALERT_HOOK", hook.url)
        assert deliver_at(project, "2026-12-07T08:07:00+00:00", monkeypatch) == 0  # Monday: the digest is due
        mails = {(m["to"][0], m["subject"]): m for m in sent(s3_server)}
        assert sorted(mails) == [
            ("cfo@acme.example", "Test Reports: Übersicht «weekly» vom 07.12.2026 — Sales, Margins"),
            ("owner@acme.example", f"Test Reports: Alarm: Fast growth — {grown}"),
            ("owner@acme.example", "Test Reports: Alarm: Flagged orders — Sales: Abfrage ist 1"),
            ("owner@acme.example", "Test Reports: Übersicht «weekly» vom 07.12.2026 — Sales"),
        ]

        digest = mails["owner@acme.example", "Test Reports: Übersicht «weekly» vom 07.12.2026 — Sales"]
        lines = digest["text"].splitlines()
        assert lines[:2] == ["Test Reports — Übersicht «weekly»", ""]
        assert lines[2].startswith("Sales (Dateien aktualisiert ")
        assert re.fullmatch(r"  Revenue: \d{1,3}(\.\d{3})*,\d\d\u00a0\$", lines[3])  # German numbers: 1.234,56 $
        assert lines[4:] == [f"  Bericht öffnen: {sales}"]
        read = MailHtml(digest["html"])
        assert read.headings == ["Test Reports — Übersicht «weekly»", "Sales"]
        assert read.paragraphs[0].startswith("Dateien aktualisiert ")
        assert read.links == [(sales, "Bericht öffnen")]
        both = mails["cfo@acme.example", "Test Reports: Übersicht «weekly» vom 07.12.2026 — Sales, Margins"]
        assert "  Orders: 20.000" in both["text"].splitlines()
        assert [text for _, text in MailHtml(both["html"]).links] == ["Bericht öffnen", "Bericht öffnen"]

        alert = mails["owner@acme.example", "Test Reports: Alarm: Flagged orders — Sales: Abfrage ist 1"]
        said = "Sales: Abfrage ist 1; die Bedingung value > 0 (Schwellenwert 0) ist jetzt erfüllt."
        assert alert["text"].splitlines() == [said, "", f"Bericht öffnen: {sales}"]
        read = MailHtml(alert["html"])
        assert read.paragraphs[0] == said and read.links == [(sales, "Bericht öffnen")]
        change = mails["owner@acme.example", f"Test Reports: Alarm: Fast growth — {grown}"]
        assert change["text"].splitlines()[0] == \
            f"{grown}; die Bedingung change > 10% (Schwellenwert 10%) ist jetzt erfüllt."

        posts = [p["text"] for p in hook.posts]
        assert len(posts) == 2  # the digest's and the sales alert's (the growth alert has no webhook)
        assert posts[0].startswith(f"*Test Reports* — Übersicht «weekly»\n• <{sales}|Sales> — Revenue: ")
        assert posts[1] == (f"*Alarm*: Sales: Abfrage ist 1; die Bedingung value &gt; 0 (Schwellenwert 0) ist jetzt "
                            f"erfüllt.\n<{sales}|Bericht öffnen>")

        flags.write_text("id,level\n1,50\n", encoding="utf-8")  # the alert clears
        build(project, BuildOptions(out=project / "_site"))
        assert deliver_at(project, "2026-12-07T09:07:00+00:00", monkeypatch) == 0
        cleared = sent(s3_server)[4:]
        assert [m["subject"] for m in cleared] == ["Test Reports: Entwarnung: Flagged orders — Sales: Abfrage ist 0"]
        assert cleared[0]["text"].splitlines()[0] == \
            "Sales: Abfrage ist 0; die Bedingung value > 0 (Schwellenwert 0) ist nicht mehr erfüllt."
        assert hook.posts[2]["text"].startswith("*Entwarnung*: Sales: Abfrage ist 0;")
    assert "Open the report" not in str(mails) + str(posts) and "digest" not in str(mails) + str(posts)


@pytest.mark.parametrize(("locale", "subject"), [
    ("en-US", "Acme: weekly digest, Dec 7, 2026 — Sales"),
    ("en-GB", "Acme: weekly digest, 7 Dec 2026 — Sales"),
    ("de-DE", "Acme: Übersicht «weekly» vom 07.12.2026 — Sales"),
    ("fr-FR", "Acme : récapitulatif « weekly » du 7 déc. 2026 — Sales"),
    ("it-IT", "Acme: riepilogo «weekly» del 7 dic 2026 — Sales"),
    ("es-ES", "Acme: resumen «weekly» del 7 dic 2026 — Sales"),
    ("nl-NL", "Acme: overzicht ‘weekly’ van 7 dec 2026 — Sales"),
    ("pt-BR", "Acme: resumo “weekly”, 7 de dez. de 2026 — Sales"),
])
def test_a_digest_s_subject_is_in_the_site_s_language_and_its_date_in_the_locale_s_way(locale: str,
                                                                                       subject: str) -> None:
    from reportsite.config.site_models import SiteConfig
    from reportsite.ops import digests
    from reportsite.ops.delivery_records import Record

    record = Record("sales", "Sales", "reports/sales.html", False, [], "", [], [])
    moment = dt.datetime(2026, 12, 7, 8, tzinfo=dt.UTC)
    site = SiteConfig(title="Acme", locale=locale)
    assert digests.compose("Acme", "weekly", moment, [record], "https://x/", Words.of(site), locale).subject \
        == subject


def test_pdfs_too_large_to_attach_are_named_in_the_site_s_words() -> None:
    from reportsite.ops import digests
    from reportsite.ops.delivery_records import Record
    from reportsite.ops.mail import MAX_ATTACHMENTS_BYTES

    pdf = b"%PDF" + bytes(MAX_ATTACHMENTS_BYTES // 2)  # one fits, two do not
    items = [Record(slug, slug.title(), f"reports/{slug}.html", False, [], "", [], [], pdf, f"{slug}.pdf")
             for slug in ("sales", "margins", "costs")]
    composed = digests.Composed("Acme", "Acme\n", "<h1>Acme</h1>")

    def note(language: str, count: int) -> str:
        mail = digests.email("a@acme.example", ["b@acme.example"], composed, items[:count], True,
                             Words.make(language))
        assert [a.name for a in mail.attachments] == ["sales.pdf"]
        last = mail.text.splitlines()[-1]
        assert mail.html.endswith(f"<p>{html.escape(last)}</p>")
        return last

    assert note("en", 2) == "Too large to attach: margins.pdf; download it from its report's page."
    assert note("en", 3) == "Too large to attach: margins.pdf, costs.pdf; download them from the reports' pages."
    assert note("de", 2) == \
        "Zu groß zum Anhängen: margins.pdf; laden Sie die Datei von der Seite des Berichts herunter."
    assert note("de-CH", 3) == \
        "Zu gross zum Anhängen: margins.pdf, costs.pdf; laden Sie die Dateien von den Seiten der Berichte herunter."
    assert note("fr", 3) == \
        "Trop volumineux pour être joints : margins.pdf, costs.pdf ; téléchargez-les depuis les pages des rapports."
