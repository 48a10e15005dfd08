"""Private reports at build time: nothing of them readable in _site without a password, everything with one;
located errors before anything runs; the same bytes on a rebuild; a new password re-encrypts only its pages."""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.cli.main import main
from reportsite.private import crypto as private
from tests.support import private_data

FINANCE, OWNERS = "REPORTSITE_PASSWORD_FINANCE", "REPORTSITE_PASSWORD_OWNERS"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("private-data")
    private_data.write_data(folder)
    return folder


@pytest.fixture
def project(tmp_path: Path, data: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in private_data.PASSWORDS.items():
        monkeypatch.setenv(name, value)
    return private_data.make_project(tmp_path / "project", data)


def site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def page_key(html: str, password: str) -> bytes | None:
    """What private.js does, in Python: the page key that the password unwraps, or None."""
    config = json.loads(re.search(r'id="private-config">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    for audience in config["audiences"]:
        key = private.derive(password, base64.b64decode(audience["salt"]))
        try:
            return private.unseal(key, base64.b64decode(audience["wrapped"]))
        except ValueError:
            continue
    return None


def opened(html: str, key: bytes) -> dict[str, str]:
    payload = re.search(r'id="private-payload">(.*?)</script>', html, re.S).group(1)  # type: ignore[union-attr]
    return json.loads(private.unseal(key, base64.b64decode(payload)))  # type: ignore[no-any-return]


def test_nothing_of_a_private_report_is_readable_in_the_site(project: Path) -> None:
    site = project / "_site"
    build(project, BuildOptions(out=site), now=lambda: private_data.NOW)
    files = site_files(site)
    found = [
        (path, word)
        for path, body in files.items()
        for word in private_data.secrets()
        if word.encode() in body or word in path
    ]
    assert found == []
    # The shells and files hold them all, for a reader with the password.
    margins = files["reports/margins.html"].decode()
    assert page_key(margins, "not the password at all") is None
    key = page_key(margins, private_data.FINANCE)
    assert key is not None and key == page_key(margins, private_data.OWNERS)
    page = opened(margins, key)
    for word in ("Quietmetric total", "Quietchart by customer", "Quiettable of sales", "Zorblax Ltd", "7,310,529.17"):
        assert word in page["content"]
    assert "report-filters" in page["scripts"] and page["title"] == "Margins · Private Fixture"
    downloads = re.findall(r'href="\.\./(data/margins/[0-9a-f]+\.csv)" download="([^"]+)"', page["content"])
    assert [name for _, name in downloads] == ["chart-1-quietchart-by-customer.csv", "table-1-quiettable-of-sales.csv"]
    table = private.unseal(key, files[downloads[1][0]]).decode("utf-8-sig")
    assert table.splitlines()[:2] == ["region_qx,customer_qx,amount_qx", "Quasarland,Zorblax Ltd,7310529.17"]
    slices = [p for p in files if p.startswith("data/margins/slices/")]
    assert len(slices) == 3 and all(
        "Quasarland" in private.unseal(key, files[p]).decode() or "Nebulaton" in private.unseal(key, files[p]).decode()
        for p in slices
    )
    # The index shows the title of margins, a neutral one for accounts (hide_title), and a lock on both.
    index = files["index.html"].decode()
    assert index.count('data-testid="private-lock"') == 2 and "Margins" in index and "Private report" in index
    accounts = files["reports/accounts.html"].decode()
    assert page_key(accounts, private_data.FINANCE) is None  # owners only
    listing = opened(accounts, page_key(accounts, private_data.OWNERS))  # type: ignore[arg-type]
    assert "Zorblax Ltd" in listing["content"] and "Hiddentitle accounts" in listing["content"]


def test_the_manifest_says_only_what_the_index_shows(project: Path) -> None:
    site = project / "_site"
    build(project, BuildOptions(out=site), now=lambda: private_data.NOW)
    entries = json.loads((site / "manifest.json").read_text())["reports"]
    margins, accounts = entries["margins"], entries["accounts"]
    assert margins["title"] == "Margins" and accounts["title"] == "Private report"
    for entry in (margins, accounts):
        assert entry["private"] is True and entry["description"] == "" and entry["sources"] == []
        assert entry["metrics"] == entry["charts"] == entry["tables"] == entry["rows"] == 0
    assert sorted(accounts["members"]) == sorted(accounts["members"].values())  # digests, not values
    assert all((site / f).exists() for e in entries.values() for f in e["files"])


def test_an_unchanged_private_report_rebuilds_to_the_same_bytes(project: Path) -> None:
    site = project / "_site"
    build(project, BuildOptions(out=site), now=lambda: private_data.NOW)
    before = site_files(site)
    assert build(project, BuildOptions(out=site), now=lambda: private_data.NOW).status == "unchanged"
    assert site_files(site) == before
    build(project, BuildOptions(out=site, full=True), now=lambda: private_data.NOW)  # made again from scratch
    after = site_files(site)
    assert {p: b for p, b in after.items() if p != "manifest.json"} == {
        p: b for p, b in before.items() if p != "manifest.json"
    }


def test_a_new_password_reencrypts_only_its_audiences_pages(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = project / "_site"
    build(project, BuildOptions(out=site), now=lambda: private_data.NOW)
    before = site_files(site)
    monkeypatch.setenv(FINANCE, "a brand new finance password")
    result = build(project, BuildOptions(out=site), now=lambda: private_data.NOW)
    assert {r.slug: r.status for r in result.reports} == {
        "accounts": "unchanged",
        "margins": "built",
        "welcome": "unchanged",
    }
    after = site_files(site)
    assert {p for p in after if p.startswith(("reports/accounts", "data/accounts"))} == {
        p for p in before if p.startswith(("reports/accounts", "data/accounts"))
    }
    assert all(after[p] == before[p] for p in after if p.startswith(("reports/accounts", "data/accounts")))
    assert after["reports/margins.html"] != before["reports/margins.html"]
    margins = after["reports/margins.html"].decode()
    assert page_key(margins, private_data.FINANCE) is None
    assert page_key(margins, "a brand new finance password") is not None


@pytest.mark.parametrize(
    ("edit", "env", "expected"),
    [
        (
            ("margins", "access: [finance, owners]", "access: [finance, ownres]"),
            {},
            "reports/margins.yaml:3:19 access[1]: unknown audience 'ownres' (did you mean 'owners'?); "
            "site_src/site.yaml defines: finance, owners",
        ),
        (
            None,
            {OWNERS: None},
            "site_src/site.yaml:5:12 audiences.owners.password_env: the environment variable "
            "REPORTSITE_PASSWORD_OWNERS is not set; set it to the password of audience 'owners' (at least 16 "
            "characters; `reportsite password new` prints a strong one)",
        ),
        (
            None,
            {FINANCE: "fifteen chars.."},
            "site_src/site.yaml:4:13 audiences.finance.password_env: REPORTSITE_PASSWORD_FINANCE holds a password of "
            "15 characters; audience 'finance' needs at least 16 (`reportsite password new` prints a strong one)",
        ),
        (
            ("welcome", "title:", "hide_title: true\ntitle:"),
            {},
            "reports/welcome.yaml:1:1 hide_title: hide_title hides the title of a private report; add access: "
            "[audience] or remove hide_title",
        ),
    ],
)
def test_access_mistakes_are_located_and_nothing_is_written(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    edit: tuple[str, str, str] | None,
    env: dict[str, str | None],
    expected: str,
) -> None:
    if edit:
        path = project / "reports" / f"{edit[0]}.yaml"
        path.write_text(path.read_text().replace(edit[1], edit[2], 1))
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name)
        else:
            monkeypatch.setenv(name, value)
    shutil.rmtree(project / "_site", ignore_errors=True)
    for command in (["build"], ["check"]):
        assert main(["--project", str(project), *command]) == 1
        assert expected in capsys.readouterr().err.replace("\n", " ")
    assert not (project / "_site").exists()


@pytest.mark.parametrize("flags", [["--keep-going"], ["--keep-going", "--only", "margins"]])
def test_a_private_report_failing_half_way_leaves_nothing_in_clear(project: Path, flags: list[str],
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 23: with --keep-going (what serve uses) the chart's CSV/XLSX written before the table failed were
    left in plain text in _site and listed in the manifest."""
    assert main(["--project", str(project), "build"]) == 0
    report = project / "reports" / "margins.yaml"
    report.write_text(report.read_text(encoding="utf-8").replace(
        "SELECT region_qx, customer_qx, amount_qx FROM sales",
        "SELECT region_qx::INTEGER AS broken, customer_qx, amount_qx FROM sales"), encoding="utf-8")

    assert main(["--project", str(project), "build", *flags]) == 1
    assert "Could not convert string 'Quasarland' to INT32" in capsys.readouterr().err

    site = project / "_site"
    files = site_files(site)
    assert [p for p in files if p.startswith("data/margins")] == []
    listed = json.loads(files["manifest.json"])["files"]
    assert [p for p in listed if p.startswith("data/margins")] == []
    leaks = [(path, word) for path, body in files.items() for word in private_data.secrets()
             if word.encode() in body or word in path]
    assert leaks == []


@pytest.mark.parametrize(("setting", "shown"), [
    ("base_url: http://reports.acme.test/\n", "site_src/site.yaml"), ("", "SITE_URL is http://reports.acme.test/")])
def test_a_site_with_audiences_refuses_a_plain_http_address(project: Path, monkeypatch, capsys, setting, shown):
    """Issue 23: private pages published where WebCrypto is not offered (HTTP) can never be opened."""
    site = project / "site_src" / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8") + setting, encoding="utf-8")
    if not setting:
        monkeypatch.setenv("SITE_URL", "http://reports.acme.test/")

    assert main(["--project", str(project), "build"]) == 1
    err = capsys.readouterr().err
    assert shown in err and "private reports open only over HTTPS" in err
    assert not (project / "_site").exists()


def test_sixteen_equal_characters_are_no_password(project: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv(FINANCE, "a" * 16)
    assert main(["--project", str(project), "build"]) == 1
    assert "REPORTSITE_PASSWORD_FINANCE holds a password of only 1 different characters" in capsys.readouterr().err
