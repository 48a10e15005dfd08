"""Command line: thin commands that call one library function each.

Exit codes: 0 success · 1 a user mistake (report, data, credentials, failed check)
· 2 bad command-line usage · 3 an internal error (a bug: rerun with --debug).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportsite import __version__
from reportsite.build import checking
from reportsite.build.builder import BuildOptions, build
from reportsite.build.progress import progress_for
from reportsite.cli import deliver as deliver_cli
from reportsite.cli.serve import serve
from reportsite.config.project import load_site, report_schema, site_schema
from reportsite.deploy import deploy_command
from reportsite.errors import ReportError
from reportsite.ops.costs import build_bill
from reportsite.ops.init_check import init_command
from reportsite.ops.notify import after_failure, record_error
from reportsite.ops.sample_data import write_sample_data
from reportsite.private import withheld
from reportsite.private.password import new_password, throwaway_env
from reportsite.smoke.runner import smoke_command

if TYPE_CHECKING:
    from reportsite.build.builder import BuildResult

EXIT_OK, EXIT_USER, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _console(stderr: bool = True):  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _project(args: argparse.Namespace) -> Path:
    return Path(args.project).resolve()


def _here(args: argparse.Namespace, path: str | None, default: str) -> Path:
    """An --out folder as given, relative to where the command runs (as a shell reads it, so ``reportsite --project xl
    build --out xl/_site`` writes xl/_site); without --out, ``default`` inside the project."""
    if not path:
        return _project(args) / default
    given = Path(path).expanduser()
    return given if given.is_absolute() else Path.cwd() / given


def cmd_build(args: argparse.Namespace) -> int:
    console = _console()
    started = time.perf_counter()
    options = BuildOptions(out=_here(args, args.out, "_site"), only=args.only or None, full=args.full,
                           keep_going=args.keep_going, strict=args.strict, pdf=not args.no_pdf)
    live = console.is_terminal and not os.environ.get("CI")  # a CI log gets one line per report instead
    result = build(_project(args), options, log=lambda m: console.print(f"  {m}"),
                   progress=progress_for(sys.stderr if live else None))
    elapsed = time.perf_counter() - started
    if args.summary:
        _write_summary(Path(args.summary), result)
        _append_bill(args, result.out, elapsed)
    if result.status == "unchanged":
        console.print(f"[green]✓[/] nothing changed; {result.out} is up to date ({elapsed:.2f}s)")
        return EXIT_OK
    failed = [r for r in result.reports if r.status == "failed"]
    built = sum(1 for r in result.reports if r.status == "built")
    console.print(f"[green]✓[/] built {built} report(s), reused {len(result.reports) - built - len(failed)} "
                  f"in {elapsed:.2f}s → {result.out}/index.html")
    if s3_line(result.s3):
        console.print(f"  {s3_line(result.s3)}", markup=False)
    if failed:
        console.print(f"[red]✗[/] {len(failed)} report(s) failed and are shown as error pages (--keep-going):")
        for summary in failed:
            for problem in summary.problems:
                console.print(f"  {problem}", markup=False)
        console.print("  This build is marked partial: `reportsite deploy` will refuse to publish it.")
        return EXIT_USER
    return EXIT_OK


def _write_summary(path: Path, result: BuildResult) -> None:
    """Markdown for $GITHUB_STEP_SUMMARY: a table of the reports, then every warning in its located form (a private
    report's without what it found: see private.withheld)."""
    lines = ["| report | status | rows | seconds |", "| --- | --- | ---: | ---: |"]
    for r in result.reports:
        rows = "—" if r.private else f"{r.rows:,}"  # how many rows a private report's queries returned: data too
        lines.append(f"| {r.slug} | {r.status} | {rows} | {r.seconds:.2f} |")
    text = "### Build\n\n" + "\n".join(lines) + "\n\n"
    if s3_line(result.s3):
        text += s3_line(result.s3) + "\n\n"
    warned = list(dict.fromkeys((r.slug, withheld.public_line(w) if r.private else w)
                                for r in result.reports for w in r.warnings))
    if warned:
        reports = len({slug for slug, _ in warned})
        text += (f"#### Warnings\n\n{len(warned)} warning(s) in {reports} report(s); the pages show them to "
                 "readers too. They do not stop a build (`--strict` makes them errors).\n\n")
        text += "".join(f"- **{_markdown_escape(slug)}**: {_markdown_escape(w)}\n" for slug, w in warned) + "\n"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def _append_bill(args: argparse.Namespace, out: Path, elapsed: float) -> None:
    """The month's estimated bill (costs.py) after the build's table."""
    if (out / "manifest.json").is_file():
        with Path(args.summary).open("a", encoding="utf-8") as handle:
            handle.write(build_bill(_project(args), out, elapsed, time.time()))


def s3_line(s3: dict[str, Any]) -> str:
    """'S3: read 12.3 MB from S3 this run; 40.1 MB of column copies from the cache …' ('' without S3 sources)."""
    def mb(*keys: str) -> str:
        return f"{sum(int(s3.get(k, 0)) for k in keys) / 1e6:,.1f} MB"

    if not any(s3.get(k) for k in ("s3_bytes", "downloaded_bytes", "cache_reused_bytes", "cache_fetched_bytes")):
        return ""
    text = (f"S3: {mb('s3_bytes', 'downloaded_bytes')} read from S3 this run ({mb('downloaded_bytes')} of it whole "
            "CSV objects); "
            f"column cache: {mb('cache_reused_bytes')} reused, {mb('cache_fetched_bytes')} newly copied, "
            f"{mb('cache_evicted_bytes')} evicted")
    streamed = s3.get("streamed_sources") or []
    if streamed:
        text += (f"; read from S3 at query time (over the cache budget; what they read is not in the count above): "
                 f"{', '.join(streamed)}")
    return text


def _markdown_escape(text: str) -> str:
    """Text shown literally in GitHub Markdown (paths, SQL, quotes): punctuation backslash-escaped, one line."""
    return re.sub(r"([\\`*_{}\[\]()<>#+!|~&-])", r"\\\1", " ".join(text.split()))


def cmd_check(args: argparse.Namespace) -> int:
    console = _console()
    summary = checking.check_project(_project(args), strict=args.strict, full=args.full,
                                     out=_here(args, args.out, "_site"))
    for warning in summary.warnings:
        console.print(f"warning: {warning}", markup=False, style="yellow")
    console.print(f"[green]✓[/] {summary.text}")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    serve(_project(args), _here(args, args.out, "_site"), args.port, _console())
    return EXIT_OK


def cmd_sample_data(args: argparse.Namespace) -> int:
    out = _here(args, args.out, "data")
    started = time.perf_counter()
    summary = write_sample_data(out, rows=args.rows, partitioned=args.partitioned)
    _console().print(f"[green]✓[/] wrote {summary.orders:,} orders, {summary.customers:,} customers and "
                     f"{summary.products} products to {out} in {time.perf_counter() - started:.1f}s")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    schema = site_schema() if args.site else report_schema()
    print(json.dumps(schema, indent=2))
    return EXIT_OK


def cmd_deploy(args: argparse.Namespace) -> int:
    return deploy_command(_project(args), args, _console())


def cmd_smoke(args: argparse.Namespace) -> int:
    if not args.url:
        args.url = load_site(_project(args)).base_url
        if not args.url:
            raise ReportError("no site to check: pass --url URL or set base_url in site_src/site.yaml")

    code = smoke_command(args, _console())
    if code:
        record_error(f"the smoke check of {args.url} found problems (see the job summary)")
    return code


def cmd_notify(args: argparse.Namespace) -> int:
    console = _console()
    warn = lambda m: console.print(f"warning: {m}", markup=False, style="yellow")  # noqa: E731
    if after_failure(_project(args), warn, args.error):
        console.print("[green]✓[/] posted the failure to the webhook")
    return EXIT_OK  # a notification never fails the run


def cmd_deliver(args: argparse.Namespace) -> int:
    return deliver_cli.command(args, _console(stderr=False))


def cmd_init(args: argparse.Namespace) -> int:
    return init_command(args, _console(stderr=False))


def cmd_password(args: argparse.Namespace) -> int:
    if args.action == "throwaway":  # for pull requests: reportsite password throwaway >> "$GITHUB_ENV"

        for line in throwaway_env(load_site(_project(args))):
            print(line)
        return EXIT_OK
    print(new_password())  # alone on stdout, so it can be piped: reportsite password new | gh secret set …
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="reportsite", description=__doc__.splitlines()[0] if __doc__ else None)
    top.add_argument("--project", default=".", help="repository root (default: current folder)")
    top.add_argument("--debug", action="store_true", help="show tracebacks")
    top.add_argument("--version", action="version", version=f"reportsite {__version__}",
                     help="print reportsite's version and exit")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(func=func)
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
        return command

    build = add("build", cmd_build, "build the site into _site/")
    build.add_argument("--out", help="output folder, relative to the current folder (default: the project's _site)")
    build.add_argument("--only", nargs="+", metavar="SLUG", help="rebuild only these reports")
    build.add_argument("--full", action="store_true", help="rebuild every report even if nothing changed")
    build.add_argument("--keep-going", action="store_true",
                       help="build the good reports; show failed ones as error pages (local use; never deployed)")
    build.add_argument("--strict", action="store_true", help="treat warnings as errors (used by the workflows)")
    build.add_argument("--no-pdf", action="store_true",
                       help="skip printing the reports' PDFs (which needs Chromium: `make browser`)")
    build.add_argument("--summary", default=os.environ.get("GITHUB_STEP_SUMMARY"),
                       help="append a Markdown summary to this file (default: $GITHUB_STEP_SUMMARY)")

    check = add("check", cmd_check, "validate site.yaml and every report and run every query; write nothing")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.add_argument("--full", action="store_true",
                       help="query every report, also those unchanged since the last build (default: only changed)")
    check.add_argument("--out", help="the build whose unchanged reports are not queried again, relative to the "
                                      "current folder (default: the project's _site)")

    serve = add("serve", cmd_serve, "preview the site on 127.0.0.1, rebuilding on change")
    serve.add_argument("--port", type=int, default=8000, help="the port on 127.0.0.1")
    serve.add_argument("--out", help="output folder, relative to the current folder (default: the project's _site)")

    sample = add("sample-data", cmd_sample_data, "write the deterministic demo data set")
    sample.add_argument("--out", help="folder, relative to the current folder (default: the project's data/)")
    sample.add_argument("--rows", type=int, default=1_000_000, help="how many orders the sales table holds")
    sample.add_argument("--partitioned", action="store_true", help="also write hive-partitioned orders")

    schema = add("schema", cmd_schema, "print the JSON Schema of report files")
    schema.add_argument("--site", action="store_true", help="print the schema of site_src/site.yaml instead")

    deploy = add("deploy", cmd_deploy, "publish _site/ to S3 (only what changed)")
    deploy.add_argument("--target", help="s3://bucket/prefix (default: $REPORTSITE_DEPLOY_TARGET or site.yaml)")
    deploy.add_argument("--site", default="_site", help="built site folder (default: _site)")
    deploy.add_argument("--dry-run", action="store_true", help="print the plan and change nothing")
    deploy.add_argument("--summary", default=os.environ.get("GITHUB_STEP_SUMMARY"),
                        help="append a Markdown summary to this file (default: $GITHUB_STEP_SUMMARY)")

    smoke = add("smoke", cmd_smoke, "open every page of a site in Chromium and report problems")
    smoke.add_argument("--url", help="the site's base URL (http://…/), a built folder or file:// URL "
                                     "(default: base_url in site_src/site.yaml)")
    smoke.add_argument("--summary", default=os.environ.get("GITHUB_STEP_SUMMARY"),
                       help="append a Markdown summary to this file (default: $GITHUB_STEP_SUMMARY)")
    smoke.add_argument("--changed", action="store_true",
                       help="open only the index and the pages of the reports the site's last build made (the "
                            "others were checked when they were published)")
    smoke.add_argument("--built", metavar="DIR",
                       help="the folder the site at --url was published from, smoke-checked before it was deployed: "
                            "pages published byte for byte as there are checked for loading, requests, links and "
                            "charts, not again for what their bytes decide (reader checks, accessibility, print)")
    smoke.add_argument("--screenshots", metavar="DIR",
                       help="save a full-page PNG of every page at every width, light and dark, into DIR")
    init = add("init", cmd_init, "check, with your AWS CLI credentials, the repository variables, the OIDC provider, "
                                 "the roles and the buckets publish.yml needs; print what is missing")
    init.add_argument("--repository", help="OWNER/REPO on GitHub (default: $GITHUB_REPOSITORY)")
    for option, variable in (("--read-role", "AWS_READ_ROLE_ARN"), ("--deploy-role", "AWS_DEPLOY_ROLE_ARN"),
                             ("--region", "AWS_REGION"), ("--data-root", "DATA_ROOT"),
                             ("--deploy-target", "DEPLOY_TARGET"), ("--site-url", "SITE_URL")):
        init.add_argument(option, dest=variable.lower(), metavar=variable,
                          help=f"the repository variable {variable} (default: ${variable})")

    notify = add("notify", cmd_notify, "post the run's failure (its first error and the run's URL) to the webhook "
                                       "site.yaml's notify names; never fails")
    notify.add_argument("--failed", action="store_true", required=True, help="the run failed (the only message "
                                                                             "sent by hand; deploy posts changes)")
    notify.add_argument("--error", default="", help="the one-line error (default: the one the failed reportsite "
                                                    "command kept in $RUNNER_TEMP)")

    deliver_cli.add_arguments(add("deliver", cmd_deliver, "after a publish: send the digests that are due and the "
                                                         "alerts that changed (email through SES, webhooks); "
                                                         "never fails"))

    password = add("password", cmd_password, "make passwords for private reports' audiences")
    password.add_argument("action", choices=["new", "throwaway"],
                          help="new: print a strong random password; throwaway: print VARIABLE=password for every "
                               "audience of site.yaml, each new (pull-request builds)")
    return top


MAX_PRINTED = 50  # problems printed in full; the rest are counted


def _printable(text: str) -> str:
    """A line any terminal can take: text that cannot be encoded (a lone surrogate) is escaped."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ReportError as exc:
        if args.debug:
            raise
        console = _console()
        if exc.problems:
            record_error(withheld.public(exc.problems[0]))  # for the webhook: a private report's says only where
        for problem in exc.problems[:MAX_PRINTED]:
            console.print(_printable(f"error: {problem}"), markup=False, emoji=False, style="red")
        if len(exc.problems) > MAX_PRINTED:
            console.print(f"… and {len(exc.problems) - MAX_PRINTED} more problem(s)", style="red", markup=False)
        footer = "." if exc.stage == "deploy" else "; nothing was written."
        console.print(f"{len(exc.problems)} problem(s){footer}", style="dim", markup=False)
        return EXIT_USER
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug, not a user mistake
        if args.debug:
            raise

        record_error(f"internal error: {type(exc).__name__}: {exc}")
        _console().print(f"internal error: {type(exc).__name__}: {exc}\nRerun with --debug for the traceback "
                         "and please report it.", markup=False, style="red")
        return EXIT_INTERNAL
