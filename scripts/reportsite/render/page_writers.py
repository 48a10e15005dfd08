"""The pages of a large for_each family rendered on every core.

Rendering a page (Jinja, its table rows and chart specs written into HTML) is Python work that needs only the
page's blocks and the site's templates, so a family of hundreds of pages is written by worker processes,
one per core (``pages.workers.process_pool``), each with its own Jinja environment made once from the same
templates and words. The pages, their files and their order are the same as when this process writes them
(tests/integration/test_page_workers.py compares the two); a small family is written here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportsite.pages import workers
from reportsite.render import templates
from reportsite.values.words import Words

CHUNK_PAGES = 16  # pages sent to a worker at a time


@dataclass(frozen=True)
class Templates:
    """What makes the pages' Jinja environment (sent to each worker, which makes its own)."""

    folder: Path  # site_src/templates
    words: Words
    static: Path  # site_src/static (the scripts whose words the pages carry)

    def environment(self) -> Any:
        return templates.environment(self.folder, self.words, self.static)


Write = Callable[[Any, dict[str, Any], Any, str, Path], list[str]]  # write_page's shape
_state: dict[str, Any] = {}  # in a worker: its environment, the pages' common context, the staging folder, writer


@contextmanager
def page_writers(source: Templates, common: dict[str, Any], staging: Path, pages: int,
                 write: Write) -> Iterator[Callable[[list[tuple[str, Any]]], Future[list[list[str]]]] | None]:
    """A function that writes a chunk of (path, page) in a worker and returns each page's files; None when
    ``pages`` are too few to be worth the workers (the caller writes them itself)."""
    count = workers.worker_count(pages)
    if not count:
        yield None
        return
    started = (source, common, staging, write)
    with workers.process_pool(count, _start, started, "reportsite.render.page_writers") as pool:
        yield lambda chunk: pool.submit(_write, chunk)


def _start(source: Templates, common: dict[str, Any], staging: Path, write: Write) -> None:
    _state.update(env=source.environment(), common=common, staging=staging, write=write)


def _write(chunk: list[tuple[str, Any]]) -> list[list[str]]:
    write = _state["write"]
    return [write(_state["env"], _state["common"], page, path, _state["staging"]) for path, page in chunk]


__all__ = ["CHUNK_PAGES", "Templates", "page_writers"]
