"""Which pages `reportsite smoke --changed` opens: the index and the pages of the reports the last build made."""

from __future__ import annotations

from reportsite.build.manifest_model import Manifest
from reportsite.smoke.runner import changed_pages

PAGES = ["index.html", "reports/customers.html", "reports/product.html", "reports/product/apron.html",
         "reports/products.html", "reports/sales.html"]


def manifest(built: list[str]) -> Manifest:
    reports = {slug: {"built_at": "2026-12-02T07:02:00" if slug in built else "2026-12-01T12:07:00"}
               for slug in ("customers", "product", "products", "sales")}
    return Manifest.from_json({"built_at": "2026-12-02T07:02:00", "reports": reports})


def test_only_the_index_and_the_pages_this_build_made() -> None:
    assert changed_pages(PAGES, manifest(["sales", "product"])) == [
        "index.html", "reports/product.html", "reports/product/apron.html", "reports/sales.html"]
    assert changed_pages(PAGES, manifest([])) == ["index.html"]


def test_without_a_manifest_every_page() -> None:
    assert changed_pages(PAGES, None) == PAGES
    assert changed_pages(PAGES, Manifest.from_json({"reports": {}})) == PAGES
