"""One exception family for every user-facing mistake.

Each error knows where it came from (file, line, column, key path), so the CLI
can print ``reports/sales.yaml:14:7 charts[2].params.x: message`` and exit
without a traceback.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Self

_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def one_line(text: str) -> str:
    """Collapse line breaks (and the spaces around them) into single spaces: one problem, one line."""
    return _BREAKS.sub(" ", text).strip()


@dataclass(frozen=True)
class Problem:
    """One located problem: where it is and what is wrong."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    key: str | None = None
    private: bool = False  # a private report's: only where it is leaves the build's log (private.withheld)

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line:
                where += f":{self.line}"
                if self.column:
                    where += f":{self.column}"
        parts = [p for p in (where, f"{self.key}:" if self.key else "") if p]
        prefix = " ".join(parts)
        message = one_line(self.message)
        return f"{prefix} {message}" if prefix else message


class ReportError(Exception):
    """A user mistake (bad YAML, SQL, data, credentials). Carries one or more problems."""

    stage = "report"

    def __init__(self, problems: Problem | str | Sequence[Problem]) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(
        cls,
        message: str,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        key: str | None = None,
    ) -> Self:
        """One located problem as an error of this class."""
        return cls(Problem(message, file, line, column, key))

    @classmethod
    def gather(cls, errors: Iterable[ReportError]) -> Self:
        """All problems of several errors as one error (so one run reports everything)."""
        problems: list[Problem] = []
        for error in errors:
            problems.extend(error.problems)
        return cls(problems)


class ConfigError(ReportError):
    """site.yaml or a report file is not valid."""

    stage = "config"


class SourceError(ReportError):
    """A data source cannot be found or read."""

    stage = "source"


class QueryError(ReportError):
    """A report's SQL failed or returned something the report cannot use."""

    stage = "query"


class CheckError(ReportError):
    """A data check declared in a report failed."""

    stage = "check"


class RenderError(ReportError):
    """A template failed to render."""

    stage = "render"


class WriteError(ReportError):
    """The site cannot be written (full disk, read-only folder) or may not be written where asked."""

    stage = "write"


class DeployError(ReportError):
    """Publishing to S3 failed or was refused."""

    stage = "deploy"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for a close match, else an empty string.

    Close means similar spelling (ignoring case), or one containing the other ('pie-chart' → 'pie').
    """
    options = [str(c) for c in choices]
    lowered = {c.lower(): c for c in options}
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    if match:
        return f" (did you mean '{lowered[match[0]]}'?)"
    inside = [c for c in options if len(c) >= 3 and len(word) >= 3 and (c.lower() in word.lower()
                                                                        or word.lower() in c.lower())]
    return f" (did you mean '{inside[0]}'?)" if len(inside) == 1 else ""


def read_detail(exc: Exception | str) -> str:
    """The useful part of a reader error (DuckDB, pyarrow, S3), on one line without S3 noise."""
    text = str(exc).strip()
    text = re.sub(r"^[A-Za-z ]+ Error: ", "", text)
    text = re.sub(r"^.*?the object registered as '[^']+' failed: ", "", text, flags=re.S)
    if re.search(r"PermissionError|lacked the necessary privileges|AccessDenied|ACCESS_DENIED|403 Forbidden", text):
        return "access denied; check that the AWS credentials may s3:GetObject on these objects"
    if re.search(r"NoSuchKey|404 Not Found|Path does not exist|No such file or directory", text):
        return "an object was not found (was it deleted or renamed while the build ran?)"
    text = re.split(r"<\?xml| - Server returned|:? Error performing ", text)[0]
    text = one_line(text.split("\n\n")[0])
    return text if len(text) <= 300 else text[:299] + "…"


class Problems:
    """The problems of one run, collected as each stage finds them (every stage adds; the run raises once)."""

    def __init__(self) -> None:
        self._found: dict[str, Problem] = {}  # by text: a problem found for several pages or choices shows once

    def add(self, problem: Problem) -> None:
        self._found.setdefault(str(problem), problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.add(problem)

    def __bool__(self) -> bool:
        return bool(self._found)

    def __len__(self) -> int:
        return len(self._found)

    def __iter__(self) -> Iterator[Problem]:
        return iter(list(self._found.values()))
