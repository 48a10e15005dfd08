"""``reportsite serve``: preview ``_site/`` on 127.0.0.1, rebuild when sources change, reload open pages."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from reportsite.build.builder import BuildOptions, build
from reportsite.config.project import load_site, resolved_data_root
from reportsite.errors import ReportError
from reportsite.smoke import localhttp


def watched_paths(root: Path) -> list[Path]:
    """Reports, templates, static files, and the local data root (when it is local)."""
    paths = [root / "reports", root / "site_src"]
    data_root = resolved_data_root(load_site(root), root)
    if "://" not in data_root and Path(data_root).exists():
        paths.append(Path(data_root))
    return [p for p in paths if p.exists()]


def rebuild(root: Path, out: Path, console: Any) -> bool:
    """Build once; print problems instead of raising, keeping the last good site."""
    try:
        result = build(root, BuildOptions(out=out, keep_going=True))
    except ReportError as exc:
        for problem in exc.problems:
            console.print(f"error: {problem}", markup=False, style="red")
        console.print("The previous site is still being served.", style="dim")
        return False
    failed = [r for r in result.reports if r.status == "failed"]
    for summary in failed:
        for line in summary.problems:
            console.print(f"error: {line}", markup=False, style="red")
    console.print(f"rebuilt ({result.status}, {result.seconds.get('total', 0):.2f}s)", style="green")
    return not failed


def serve(root: Path, out: Path, port: int, console: Any, stop: threading.Event | None = None) -> None:
    from watchfiles import watch

    out = out if out.is_absolute() else root / out
    rebuild(root, out, console)
    server = localhttp.start(out, port, live_reload=True)
    console.print(f"Serving {out} at http://127.0.0.1:{server.server_address[1]}/index.html "
                  "(Ctrl-C to stop); rebuilding on changes, open pages reload themselves.")
    ignored = (str(out), str(root / ".cache"))
    try:
        for changes in watch(*watched_paths(root), stop_event=stop, debounce=300,
                             watch_filter=lambda _change, path: not path.startswith(ignored)):
            names = sorted({Path(p).name for _, p in changes})
            console.print(f"changed: {', '.join(names[:5])}", style="dim")
            rebuild(root, out, console)
    except KeyboardInterrupt:
        pass
    finally:
        localhttp.stop(server)
