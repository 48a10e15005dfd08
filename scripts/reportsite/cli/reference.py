"""The README's command reference and table of contents, generated so they cannot drift.

``python -m reportsite.cli.reference`` prints the command reference (every command and every option, from the
argparse parser itself); ``--write`` puts it between the ``<!-- cli:start -->`` and ``<!-- cli:end -->``
markers of README.md and the table of contents (every ``##`` and ``###`` heading outside code blocks)
between ``<!-- toc:start -->`` and ``<!-- toc:end -->``. A test fails when either is out of date.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from reportsite.cli.main import parser

README = Path(__file__).resolve().parents[3] / "README.md"
CLI_MARKERS = ("<!-- cli:start -->", "<!-- cli:end -->")
TOC_MARKERS = ("<!-- toc:start -->", "<!-- toc:end -->")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _usage(action: argparse.Action) -> str:
    """``--out OUT``, ``--full``, ``{new,throwaway}`` as typed."""
    if not action.option_strings:
        return "{" + ",".join(action.choices) + "}" if action.choices else str(action.dest).upper()
    name = max(action.option_strings, key=len)
    if action.nargs == 0:
        return name
    metavar = action.metavar or str(action.dest).upper()
    return f"{name} {metavar} …" if action.nargs in ("+", "*") else f"{name} {metavar}"


def _option_lines(command: argparse.ArgumentParser) -> list[str]:
    lines = []
    for action in command._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction) or action.dest == "debug" \
                or action.help == argparse.SUPPRESS:
            continue
        default = action.default
        shown = "" if default in (None, False, argparse.SUPPRESS) or action.nargs == 0 or "default" in str(
            action.help or "") else f" (default: {default})"
        lines.append(f"`{_usage(action)}`{' (required)' if action.required else ''}: {action.help or ''}{shown}")
    return lines


def commands_markdown() -> str:
    """Every command with what it does and each of its options, as a Markdown table."""
    top = parser()
    sub = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    rows = ["| command | what it does | options |", "| --- | --- | --- |"]
    for name, command in sub.choices.items():
        options = "<br>".join(_cell(line) for line in _option_lines(command)) or "—"
        rows.append(f"| `reportsite {name}` | {_cell(command.description or '')} | {options} |")
    general = "; ".join(_cell(line) for line in _option_lines(top))
    return "\n".join([f"Before the command: {general}.", "", *rows])


def toc_markdown(text: str) -> str:
    """A nested list of the ``##`` and ``###`` headings (outside code blocks), linked as GitHub anchors them."""
    lines, fenced, seen = [], False, dict[str, int]()
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        match = None if fenced else re.match(r"^(#{2,3}) (.+)$", line)
        if not match:
            continue
        title = match.group(2).strip()
        if title == "Contents":
            continue
        anchor = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        indent = "  " if len(match.group(1)) == 3 else ""
        lines.append(f"{indent}- [{title}](#{anchor}{f'-{count}' if count else ''})")
    return "\n".join(lines)


def _between(text: str, markers: tuple[str, str], body: str) -> str:
    start, end = markers
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{body}\n{end}{tail}"


def updated(text: str) -> str:
    """README text with both generated parts brought up to date."""
    text = _between(text, CLI_MARKERS, commands_markdown())
    without_toc = _between(text, TOC_MARKERS, "")
    return _between(text, TOC_MARKERS, toc_markdown(without_toc))


def main(argv: list[str]) -> int:
    if argv == ["--write"]:
        README.write_text(updated(README.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"updated: {README}")
        return 0
    print(commands_markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
