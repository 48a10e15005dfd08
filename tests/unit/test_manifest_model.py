"""The typed manifest: read and written again it is the same JSON, older manifests read, readers use attributes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from reportsite.build import manifest
from reportsite.build.manifest_model import AthenaUse, Entry, Manifest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts" / "reportsite"

NOW = {
    "format": 1, "generator": "reportsite", "status": "ok", "built_at": "2026-06-15T09:30:00+00:00",
    "site_key": "ab12", "pages": ["index.html", "reports/product.html", "reports/product/apron.html"],
    "reports": {
        "product": {
            "title": "Product", "description": "One page per product.", "update_frequency": "daily",
            "data_modified": "2026-06-01T00:00:00+00:00", "data_as_of": "Jun 1, 2026", "data_as_of_label": "Data as of",
            "data_as_of_at": "2026-06-01T00:00:00+00:00", "status": "ok", "fingerprint": "f1",
            "built_at": "2026-06-15T09:30:00+00:00", "rows": 12, "charts": 2, "metrics": 1,
            "headlines": [{"name": "Revenue", "value": "$1,234.50", "change": None}], "tables": 1,
            "sources": [{"table": "sales", "url": "sales.parquet", "files": 1, "bytes": 2048,
                         "modified": "2026-06-01T00:00:00+00:00"}],
            "problems": [], "warnings": ["a warning"], "stale": False, "seconds": {"queries": 0.0123},
            "athena": {"queries": 3, "bytes_scanned": 10485760, "dpu_ms": 1200},
            "files": ["reports/product.html", "reports/product/apron.html"], "members": {"apron": "apron"},
            "pages": 1, "pdf": None},
        "payroll": {
            "title": "Private report", "description": "", "data_modified": None, "data_as_of": None,
            "data_as_of_label": "Data as of", "data_as_of_at": None, "rows": 0, "charts": 0, "metrics": 0,
            "tables": 0, "sources": [], "warnings": [], "problems": [], "update_frequency": "weekly",
            "status": "ok", "fingerprint": "f2", "built_at": "2026-06-15T09:30:00+00:00", "stale": False,
            "files": ["reports/payroll.html"], "seconds": {}, "private": True, "access": ["finance"]}},
    "seconds": {"config": 0.01, "total": 1.5},
    "files": {"index.html": {"sha256": "00ff", "size": 1234}},
}

OLD = {  # from before the generator, headlines, PDFs, Athena and the ISO "as of" were written
    "format": 1, "status": "ok", "site_key": "ab12", "pages": ["index.html", "reports/sales.html"],
    "reports": {"sales": {"title": "Sales", "status": "ok", "fingerprint": "f3", "rows": 7,
                          "files": ["reports/sales.html"], "future_key": {"kept": [1, 2]}}},
    "files": {"index.html": {"sha256": "00ff", "size": 1234}, "reports/sales.html": {"sha256": "11ee", "size": 99}},
    "written_by_a_newer_version": True,
}


def written(data: dict[str, object]) -> str:
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


def test_a_manifest_read_and_written_again_is_the_same_json(tmp_path: Path) -> None:
    for data in (NOW, OLD):
        (tmp_path / manifest.MANIFEST).write_text(written(data), encoding="utf-8")
        read = manifest.read(tmp_path)
        assert read is not None
        assert manifest.dumps(read) == written(data)


def test_readers_get_typed_attributes() -> None:
    read = Manifest.from_json(NOW)
    product, payroll = read.reports["product"], read.reports["payroll"]
    assert (product.rows, product.members, product.pdf, product.warnings) == (12, {"apron": "apron"}, None,
                                                                            ["a warning"])
    assert product.athena == AthenaUse(queries=3, bytes_scanned=10485760, dpu_ms=1200)
    assert (product.sources[0].url, product.sources[0].bytes, product.headlines[0].value) == (
        "sales.parquet", 2048, "$1,234.50")
    assert (payroll.private, payroll.access, payroll.athena, payroll.members) == (True, ["finance"], None, None)
    assert read.files is not None and read.files["index.html"].sha256 == "00ff"


def test_an_older_manifest_reads_with_defaults_and_keeps_what_it_does_not_know() -> None:
    read = Manifest.from_json(OLD)
    sales = read.reports["sales"]
    assert not read.has("generator") and (read.built_at, read.seconds) == (None, {})
    assert (sales.headlines, sales.pdf, sales.athena, sales.warnings, sales.members) == ([], None, None, [], None)
    assert not sales.has("pdf") and sales.has("files")
    assert sales.json_extra == {"future_key": {"kept": [1, 2]}}
    assert read.json_extra == {"written_by_a_newer_version": True}
    assert "headlines" not in sales.to_json()  # a key it lacked is not written back


def test_a_value_not_of_the_fields_shape_is_kept_as_it_was() -> None:
    data = {"format": 1, "status": "ok", "files": ["not", "a", "table"], "reports": {}}
    read = Manifest.from_json(data)
    assert read.files is None and not read.has("files")
    assert read.to_json() == data


def test_an_entry_made_in_code_writes_its_fields_in_order_leaving_out_unset_optional_ones() -> None:
    keys = list(Entry(title="Sales", files=["reports/sales.html"]).to_json())
    assert keys[:3] == ["title", "description", "update_frequency"] and keys[-3:] == ["seconds", "files", "pdf"]
    assert not {"athena", "members", "pages", "private", "access"} & set(keys)


def test_manifest_readers_use_the_model_not_get_chains() -> None:
    """Every module reading manifest entries goes through the typed model: no ``.get("reports"`` or
    ``entry.get(...)`` on what the manifest holds."""
    chains = re.compile(r'\b(manifest|previous|previous_reports|entry|entries|e|r|s)(\[\w+(\.slug)?\])?\.get\(|'
                        r'or \{\}\)\.get\(|\b(manifest|entry|previous)\[\w*\]?\[?\s*"')
    readers = ["build/builder.py", "build/checking.py", "build/entries.py", "build/fingerprints.py",
               "build/outfolder.py", "build/sealing.py", "deploy/site.py", "ops/costs.py", "ops/notify.py",
               "ops/delivery_records.py", "smoke/crawl.py", "smoke/runner.py", "smoke/pdfs.py", "smoke/private.py"]
    found = [f"{name}:{number}: {line.strip()}" for name in readers
             for number, line in enumerate((SCRIPTS / name).read_text(encoding="utf-8").splitlines(), 1)
             if chains.search(line)]
    assert found == []
