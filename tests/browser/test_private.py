"""Private reports in Chromium: the password form, the wrong and the right password, the key kept for the tab's
other pages of the audience, Lock, filters and downloads of a private page; smoke opens private pages with
the passwords of the environment, published through the loopback S3 gateway, and fails on a readable one."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.smoke.localhttp import serve_folder
from reportsite.smoke.runner import run_smoke
from tests.support import private_data
from tests.support.gateway import serve_target

pytestmark = pytest.mark.browser
PASSWORDS = {"finance": private_data.FINANCE, "owners": private_data.OWNERS}


@pytest.fixture(scope="module")
def private_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("private")
    private_data.write_data(base / "data")
    root = private_data.make_project(base / "project", base / "data")
    with pytest.MonkeyPatch.context() as env:
        for name, value in private_data.PASSWORDS.items():
            env.setenv(name, value)
        build(root, BuildOptions(out=root / "_site"), now=lambda: private_data.NOW)
    return root / "_site"


@pytest.fixture
def served(private_site: Path) -> Iterator[str]:
    with serve_folder(private_site) as base:
        yield base


@pytest.fixture
def tab(browser: Any) -> Iterator[Any]:
    """One browser tab (its own sessionStorage), failing the test on any script error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert errors == []


def state(page: Any, wanted: str) -> None:
    page.wait_for_function(f"() => document.documentElement.dataset.private === '{wanted}'", timeout=30_000)


def unlock(page: Any, password: str) -> None:
    state(page, "locked")
    page.fill("#private-password", password)
    page.click("[data-private-submit]")


def shown(page: Any) -> dict[str, Any]:
    return page.evaluate("""() => ({
      title: document.title, form: !!document.querySelector('[data-private-form]'),
      metrics: [...document.querySelectorAll('[data-testid=metric-value]')].map(e => e.title || e.textContent.trim()),
      charts: document.querySelectorAll('[data-spec][data-rendered=true]').length,
      rows: [...document.querySelectorAll('[data-block=table-1] tbody tr')].map(r => r.cells[1].innerText.trim()),
      lock: !document.querySelector('[data-private-lock]').classList.contains('hidden'),
      error: document.querySelector('[data-private-error]') ? document.querySelector('[data-private-error]')
        .textContent : null})""")


def test_a_wrong_password_says_so_and_the_right_one_shows_the_report(tab: Any, served: str) -> None:
    tab.goto(served + "reports/margins.html")
    unlock(tab, "not the finance password")
    tab.wait_for_function("() => document.querySelector('[data-private-error]').textContent !== ''", timeout=30_000)
    locked = shown(tab)
    assert locked["error"] == "That password does not open this report. Check it and try again."
    assert locked["form"] and locked["charts"] == 0 and not locked["metrics"] and not locked["lock"]
    assert tab.get_attribute("#private-password", "aria-invalid") == "true"
    assert tab.evaluate("document.activeElement.id") == "private-password"  # ready to retry

    unlock(tab, private_data.FINANCE)
    state(tab, "open")
    tab.wait_for_selector("[data-spec][data-rendered=true]")
    page = shown(tab)
    assert page["title"] == "Margins · Private Fixture" and not page["form"] and page["lock"]
    assert page["charts"] == 1 and page["metrics"] == [f"${sum(private_data.AMOUNTS):,.2f}"]
    assert page["rows"] == [private_data.CUSTOMERS[i % 3] for i in range(6)]  # ordered by amount, descending
    assert tab.locator("svg").filter(has_text="Zorblax Ltd").count() == 1  # the chart drew the data
    kept = tab.evaluate("Object.keys(sessionStorage).map(k => sessionStorage.getItem(k))")
    assert len(kept) == 1 and private_data.FINANCE not in kept[0]  # the derived key, never the password


def test_the_key_opens_the_audiences_other_pages_until_locked(tab: Any, served: str) -> None:
    tab.goto(served + "reports/margins.html")
    unlock(tab, private_data.OWNERS)
    state(tab, "open")
    tab.goto(served + "index.html")
    tab.click("text=Private report")  # accounts: hide_title
    state(tab, "open")  # owners may read it: no question asked
    assert tab.locator("[data-testid=family-list] a").count() == 3
    tab.click("[data-testid=family-list] a >> text=Zorblax Ltd")
    state(tab, "open")
    assert tab.evaluate("document.title") == "Hiddentitle Zorblax Ltd · Private Fixture"
    assert tab.locator("[data-block=table-1] tbody tr").count() == 2

    tab.click("[data-private-lock]")
    state(tab, "locked")
    assert tab.evaluate("sessionStorage.length") == 0 and shown(tab)["form"]
    tab.goto(served + "reports/margins.html")
    state(tab, "locked")


def test_one_audiences_key_does_not_open_another_audiences_report(tab: Any, served: str) -> None:
    tab.goto(served + "reports/margins.html")
    unlock(tab, private_data.FINANCE)
    state(tab, "open")
    tab.goto(served + "reports/accounts.html")
    state(tab, "locked")  # owners only
    unlock(tab, private_data.FINANCE)
    tab.wait_for_function("() => document.querySelector('[data-private-error]').textContent !== ''", timeout=30_000)
    assert shown(tab)["form"]


def test_filters_and_downloads_of_a_private_report(tab: Any, served: str) -> None:
    tab.goto(served + "reports/margins.html")
    unlock(tab, private_data.FINANCE)
    state(tab, "open")
    tab.select_option("#filter-region", label="Nebulaton")
    tab.wait_for_function("() => document.documentElement.dataset.filtersShown === '1'")
    tab.wait_for_function("() => !document.body.hasAttribute('aria-busy')")
    nebulaton = [
        (r, c, a)
        for i, a in enumerate(private_data.AMOUNTS)
        for r, c in [(private_data.REGIONS[i % 2], private_data.CUSTOMERS[i % 3])]
        if r == "Nebulaton"
    ]
    assert shown(tab)["rows"] == [c for _, c, _ in nebulaton]
    assert "region=Nebulaton" in tab.url
    with tab.expect_download() as info:
        tab.click("[data-block=table-1] a[download]")
    download = info.value
    assert download.suggested_filename == "table-1-quiettable-of-sales.csv"
    lines = Path(download.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines == ["region_qx,customer_qx,amount_qx", *[f"{r},{c},{a}" for r, c, a in nebulaton]]
    tab.reload()  # the choice is in the URL; the kept key opens the page and the filter loads its results
    state(tab, "open")
    tab.wait_for_function("() => document.documentElement.dataset.filtersShown === '1'")
    assert shown(tab)["rows"] == [c for _, c, _ in nebulaton]


def test_a_page_opened_from_disk_says_it_needs_the_site(tab: Any, private_site: Path) -> None:
    tab.goto((private_site / "reports" / "margins.html").as_uri())
    state(tab, "unavailable")
    assert "not from a file on disk" in shown(tab)["error"]
    assert tab.is_disabled("#private-password")


def test_smoke_opens_private_pages_and_fails_without_their_passwords(
    browser: Any, private_site: Path, tmp_path: Path
) -> None:
    borrowed = lambda: contextlib.nullcontext(browser)  # noqa: E731
    assert run_smoke(str(private_site), borrowed, passwords=PASSWORDS).problems == []
    missing = [
        str(p)
        for p in run_smoke(
            str(private_site), borrowed, reader=False, passwords={"finance": private_data.FINANCE}
        ).problems
    ]
    assert (
        "reports/accounts.html: cannot open the private page: no password for audience owners in the "
        "environment (the variable its password_env names in site_src/site.yaml)" in missing
    )
    assert not any(p.startswith("reports/margins.html") for p in missing)
    leaky = tmp_path / "leaky"
    shutil.copytree(private_site, leaky)
    csv = next(p for p in (leaky / "data" / "margins").iterdir() if p.suffix == ".csv")
    csv.write_text("region_qx,customer_qx\nQuasarland,Zorblax Ltd\n")
    problems = [str(p) for p in run_smoke(str(leaky), borrowed, reader=False, passwords=PASSWORDS).problems]
    relative = csv.relative_to(leaky).as_posix()
    assert f"{relative}: a file of a private report is readable without the password" in problems


def test_the_published_site_passes_smoke_through_the_s3_gateway(
    s3: Any, browser: Any, private_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportsite.cli.main import main
    from reportsite.smoke.private import passwords

    s3.create_bucket(Bucket="site")
    for name, value in private_data.PASSWORDS.items():
        monkeypatch.setenv(name, value)
    project = private_site.parent
    assert main(["--project", str(project), "deploy", "--target", "s3://site/prod", "--site", str(private_site)]) == 0
    borrowed = lambda: contextlib.nullcontext(browser)  # noqa: E731
    with serve_target("s3://site/prod", s3) as gateway:
        # What `reportsite smoke` does: the passwords from the variables site.yaml names.
        assert passwords(project) == PASSWORDS
        result = run_smoke(gateway.url, borrowed, passwords=passwords(project))
        assert result.problems == [] and len(result.pages) == 7
        assert sum(c.charts_drawn for c in result.checks if c.page == "reports/margins.html") == 2  # both widths
        monkeypatch.delenv("REPORTSITE_PASSWORD_OWNERS")
        assert {
            p.page for p in run_smoke(gateway.url, borrowed, reader=False, passwords=passwords(project)).problems
        } == {"reports/accounts.html", *[p for p in result.pages if p.startswith("reports/accounts/")]}
