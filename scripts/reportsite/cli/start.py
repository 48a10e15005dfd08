"""The ``reportsite`` command's entry point: for ``build``, the unit workers' fork server is started first
(``pages.warm``: it imports what the workers need while this process imports the build, 0.5 s, on a core that
would otherwise wait), then the command runs (``cli.main``)."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from reportsite.pages import warm


def main() -> int:
    early(sys.argv[1:])
    command = importlib.import_module("reportsite.cli.main")  # after the fork server has started
    return int(command.main())


def early(argv: list[str]) -> None:
    """Start the fork server if ``argv`` is a build of a project that looks like it will need workers. The
    arguments are only glanced at: ``cli.main`` parses them for real (and reports any mistake)."""
    top = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    top.add_argument("--project", default=".")
    try:
        known, rest = top.parse_known_args(argv)
    except argparse.ArgumentError:  # a malformed --project: cli.main says so
        return
    words = [word for word in rest if not word.startswith("-")]
    if words[:1] == ["build"]:
        warm.start_for(Path(known.project))


__all__ = ["early", "main"]
