"""The child process that runs one Python loader (see ``loaders``): ``python -m reportsite.sources.loader_run
LOADER OUT FAILURE PARAMETERS``.

It imports the loader file, calls ``load()`` with the report's parameters it asks for, and writes the
Polars frame it returns to OUT as Parquet (a LazyFrame is streamed with ``sink_parquet``). Any failure
is written to FAILURE as JSON: the error and the traceback's frames, which the build filters to the
loader's own lines.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import pickle
import sys
import traceback
from pathlib import Path
from typing import Any


class LoaderProblem(Exception):
    """A loader that cannot be used as written (no load(), a parameter it needs, the wrong result)."""


def call_load(loader: Path, parameters: dict[str, Any]) -> Any:
    spec = importlib.util.spec_from_file_location(f"reportsite_loader_{loader.stem}", loader)
    if spec is None or spec.loader is None:
        raise LoaderProblem(f"{loader.name} cannot be imported")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    load = getattr(module, "load", None)
    if not callable(load):
        raise LoaderProblem(
            f"{loader.name} has no load() function; define def load(): … returning a Polars DataFrame or LazyFrame"
        )
    return load(**_arguments(load, parameters))


def _arguments(load: Any, parameters: dict[str, Any]) -> dict[str, Any]:
    """The report's parameters that load() takes by name (all of them when it takes **kwargs)."""
    signature = inspect.signature(load)
    accepted = signature.parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted):
        return dict(parameters)
    chosen = {}
    for p in accepted:
        if p.name in parameters and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            chosen[p.name] = parameters[p.name]
        elif p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL,):
            known = ", ".join(parameters) or "none"
            raise LoaderProblem(
                f"load() needs the parameter '{p.name}', which the report does not define under "
                f"parameters (defined: {known})"
            )
    return chosen


def write_result(result: Any, out: Path) -> None:
    import polars as pl

    if isinstance(result, pl.LazyFrame):
        result.sink_parquet(out)
    elif isinstance(result, pl.DataFrame):
        result.write_parquet(out)
    else:
        raise LoaderProblem(
            f"load() returned {type(result).__name__}; it must return a Polars DataFrame or "
            "LazyFrame (pl.DataFrame(rows) makes one from a list of dicts)"
        )


def main(argv: list[str]) -> int:
    loader, out, failure, given = (Path(a) for a in argv)
    try:
        parameters = pickle.loads(given.read_bytes())  # written by the build for this run only
        write_result(call_load(loader.resolve(), parameters), out)
    except BaseException as exc:
        frames = [
            [frame.filename, frame.lineno, frame.name, (frame.line or "").strip()]
            for frame in traceback.extract_tb(exc.__traceback__)
        ]
        error = str(exc) if isinstance(exc, LoaderProblem) else f"{type(exc).__name__}: {exc}".rstrip(": ")
        failure.write_text(json.dumps({"error": error, "frames": frames}), encoding="utf-8")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
