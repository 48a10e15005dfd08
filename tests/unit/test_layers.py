"""The package's shape: stages as subpackages, each saying its layer; imports inside functions only for heavy
third-party libraries (the layers themselves are checked by import-linter, `make lint`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "scripts" / "reportsite"
MAX_LINES = 450  # "no module over ~400 lines"

# Imported inside the functions that use them, so a command loads only what it needs: each is either slow to
# import or needed by one stage only (import times measured on the 2-core machine, December 2026).
LAZY = {
    "altair": "0.55 s; only when a chart spec is built",
    "polars": "0.31 s; only for Excel sources, loaders and Excel downloads",
    "boto3": "0.28 s; only for S3, SES and the set-up check",
    "botocore": "comes with boto3",
    "playwright": "0.23 s; only smoke and the browser set-up",
    "duckdb": "0.16 s; only when SQL is reviewed or run",
    "pyarrow": "0.12 s; only when query results are read or written",
    "xlsxwriter": "0.11 s; only for Excel downloads",
    "rich": "0.09 s; only for the command line's tables",
    "fastexcel": "0.08 s; only for Excel sources",
    "watchfiles": "0.08 s; only for serve",
    "jinja2": "0.06 s; only when pages are rendered",
    "vl_convert": "only when the Vega bundle is made (once per installation)",
    "babel": "CLDR data is loaded per locale, only when a value is formatted",
    "cryptography": "only for private reports and passwords",
    "pypdf": "only when smoke reads a PDF back",
}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def inner_imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Import):
                    found += [(node.lineno, alias.name) for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    found.append((node.lineno, "." * node.level + (node.module or "")))
    return found


def test_imports_inside_functions_are_only_of_heavy_libraries() -> None:
    odd = [f"{path.relative_to(PACKAGE)}:{line} imports {name} inside a function"
           for path in modules() for line, name in inner_imports(path) if name.split(".")[0] not in LAZY]
    assert odd == [], "import these at the top of the module (or add the library to LAZY with its reason)"


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\n\ndef f():\n    import duckdb\n    from reportsite.build import builder\n")
    assert inner_imports(sample) == [(4, "duckdb"), (5, "reportsite.build")]


def test_the_package_uses_absolute_imports() -> None:
    relative = [f"{path.relative_to(PACKAGE)}:{node.lineno}" for path in modules()
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(node, ast.ImportFrom) and node.level]
    assert relative == []


@pytest.mark.parametrize("package", sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py")))
def test_every_stage_says_its_job_and_its_layer(package: str) -> None:
    doc = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text(encoding="utf-8")))
    assert doc and "Layer" in doc and "import" in doc, package


def test_no_module_is_much_over_400_lines() -> None:
    long = {str(p.relative_to(PACKAGE)): n for p in modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
