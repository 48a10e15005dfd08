"""Messages to a webhook (a loopback receiver here): what changed after a publish, why a run failed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reportsite.cli.main import main
from reportsite.ops import notify
from tests.support.webhook import webhook_receiver

SITE = 'title: "Acme Reports"\nnotify:\n  webhook_env: TEAM_HOOK\n  format: {fmt}\n'
RUN = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/reports", "GITHUB_RUN_ID": "42"}
RUN_URL = "https://github.com/acme/reports/actions/runs/42"


def built_site(folder: Path) -> Path:
    folder.mkdir()
    headlines = [{"name": "Revenue", "value": "$1,234.50", "change": "▲ 5.3%"},
                 {"name": "Orders", "value": "12", "change": None}]
    (folder / "manifest.json").write_text(json.dumps({"reports": {
        "sales": {"title": "Sales <&> more", "headlines": headlines},
        "stock": {"title": "Stock", "headlines": []}}}), encoding="utf-8")
    return folder


@pytest.fixture
def run_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name, value in RUN.items():
        monkeypatch.setenv(name, value)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    monkeypatch.setenv("RUNNER_TEMP", str(temp))
    monkeypatch.delenv("SITE_URL", raising=False)
    return temp


def test_a_publish_posts_the_changed_reports_with_their_metrics_and_links_in_slacks_format(
        make_project, tmp_path: Path, run_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(site_yaml=SITE.format(fmt="slack"))
    site = built_site(tmp_path / "_site")
    monkeypatch.setenv("SITE_URL", "https://reports.acme.test/prod")
    warnings: list[str] = []
    with webhook_receiver() as receiver:
        monkeypatch.setenv("TEAM_HOOK", receiver.url)
        assert notify.after_deploy(root, site, ["reports/sales.html", "assets/site.1.css"], warnings.append)

    text = ("*Acme Reports* published: 1 report(s) changed\n"
            "• <https://reports.acme.test/prod/reports/sales.html|Sales &lt;&amp;&gt; more> — Revenue: $1,234.50 "
            "(▲ 5.3%); Orders: 12")
    assert receiver.posts == [{"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}]
    assert receiver.headers[0]["Content-Type"] == "application/json" and warnings == []


def test_plain_json_for_other_receivers(make_project, tmp_path: Path, run_env: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(site_yaml=SITE.format(fmt="json") + 'base_url: "https://r.test/"\n')
    site = built_site(tmp_path / "_site")
    with webhook_receiver() as receiver:
        monkeypatch.setenv("TEAM_HOOK", receiver.url)
        assert notify.after_deploy(root, site, ["reports/stock.html", "reports/sales.html"], print)

    assert receiver.posts == [{"event": "published", "site": "Acme Reports", "site_url": "https://r.test/",
                               "run_url": RUN_URL, "reports": [
        {"slug": "sales", "title": "Sales <&> more", "url": "https://r.test/reports/sales.html",
         "metrics": [{"name": "Revenue", "value": "$1,234.50", "change": "▲ 5.3%"},
                     {"name": "Orders", "value": "12", "change": None}]},
        {"slug": "stock", "title": "Stock", "url": "https://r.test/reports/stock.html", "metrics": []}]}]


def test_nothing_is_posted_when_no_page_changed(make_project, tmp_path: Path, run_env: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(site_yaml=SITE.format(fmt="slack"))
    with webhook_receiver() as receiver:
        monkeypatch.setenv("TEAM_HOOK", receiver.url)
        assert not notify.after_deploy(root, built_site(tmp_path / "_site"), ["assets/site.2.css"], print)
    assert receiver.posts == []


def test_a_failed_run_posts_its_error_and_the_runs_url(make_project, run_env: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(site_yaml=SITE.format(fmt="json"))
    notify.record_error("reports/sales.yaml:4 charts[0].query:\n  column 'x' not found")
    with webhook_receiver() as receiver:
        monkeypatch.setenv("TEAM_HOOK", receiver.url)
        assert main(["--project", str(root), "notify", "--failed"]) == 0
        assert main(["--project", str(root), "notify", "--failed", "--error", "deploy: access denied"]) == 0

    assert receiver.posts == [
        {"event": "failed", "site": "Acme Reports", "error": "reports/sales.yaml:4 charts[0].query: column 'x' not "
                                                             "found", "run_url": RUN_URL},
        {"event": "failed", "site": "Acme Reports", "error": "deploy: access denied", "run_url": RUN_URL}]


def test_slacks_failure_message_links_the_run(make_project, run_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(site_yaml=SITE.format(fmt="slack"))
    with webhook_receiver() as receiver:
        monkeypatch.setenv("TEAM_HOOK", receiver.url)
        assert notify.after_failure(root, print, "check failed: 3 < 10")
    assert receiver.posts[0]["text"] == (f"*Acme Reports*: the publish failed: check failed: 3 &lt; 10\n"
                                         f"<{RUN_URL}|Open the run>")


@pytest.mark.parametrize("status", [500, 404])
def test_a_refused_notification_warns_and_never_fails(status: int, make_project, run_env: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(site_yaml=SITE.format(fmt="slack"))
    with webhook_receiver(status=status) as receiver:
        monkeypatch.setenv("TEAM_HOOK", receiver.url)
        assert main(["--project", str(root), "notify", "--failed", "--error", "boom"]) == 0
    assert len(receiver.posts) == 1
    assert (f"warning: notify: the webhook answered HTTP {status}; no message was delivered (the publish is not "
            "affected)") in capsys.readouterr().err


def test_an_unreachable_or_unset_webhook_warns(make_project, run_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(site_yaml=SITE.format(fmt="slack"))
    warnings: list[str] = []
    monkeypatch.delenv("TEAM_HOOK", raising=False)
    assert not notify.after_failure(root, warnings.append, "boom")
    with webhook_receiver() as receiver:
        closed = receiver.url  # the receiver is stopped when the block ends
    monkeypatch.setenv("TEAM_HOOK", closed)
    assert not notify.after_failure(root, warnings.append, "boom")
    monkeypatch.setenv("TEAM_HOOK", "file:///etc/passwd")
    assert not notify.after_failure(root, warnings.append, "boom")

    assert warnings[0] == ("notify: TEAM_HOOK is not set (site_src/site.yaml notify.webhook_env names it; add it as a "
                           "repository secret); no message was sent")
    assert warnings[1].startswith("notify: could not reach the webhook (") and warnings[1].endswith(
        "); no message was delivered (the publish is not affected)")
    assert warnings[2] == "notify: the webhook URL must start with https:// (or http://); no message was sent"


def test_no_notify_settings_no_message(make_project, run_env: Path) -> None:
    root = make_project(site_yaml='title: "T"\n')
    assert not notify.after_failure(root, pytest.fail, "boom")  # no warning either


def test_the_run_url_needs_all_three_variables() -> None:
    assert notify.run_url(RUN) == RUN_URL
    assert notify.run_url({**RUN, "GITHUB_RUN_ID": ""}) is None
