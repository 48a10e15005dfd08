"""Messages to a webhook: which reports a publish changed (headline metrics, links), or why a run failed.

site.yaml's ``notify`` names the environment variable that holds the webhook URL (a GitHub secret); the
URL never appears in the repository. Two formats: Slack's incoming webhook (``{"text", "blocks"}``,
accepted by Mattermost and others too) and plain JSON for anything else. Sending is best effort: a
failed notification prints a warning and never fails the publish.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportsite.build.manifest_model import Manifest
from reportsite.config.project import load_site
from reportsite.config.site_models import Notify
from reportsite.errors import ReportError

TIMEOUT = 10  # seconds for one POST
ERROR_FILE = "reportsite-error.txt"  # in $RUNNER_TEMP: the one-line error of the command that failed
Warn = Callable[[str], None]


@dataclass
class Changed:
    slug: str
    title: str
    url: str
    metrics: list[dict[str, Any]] = field(default_factory=list)  # {name, value, change}


def run_url(env: dict[str, str] | os._Environ[str] = os.environ) -> str | None:
    """The Actions run's page: $GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID."""
    parts = [env.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")]
    return f"{parts[0].rstrip('/')}/{parts[1]}/actions/runs/{parts[2]}" if all(parts) else None


def changed_reports(site: Path, uploaded: list[str], base_url: str) -> list[Changed]:
    """The reports whose page this publish uploaded, with their headline metrics from the manifest."""
    manifest = Manifest.from_json(json.loads((site / "manifest.json").read_text(encoding="utf-8")))
    base = base_url if base_url.endswith("/") else base_url + "/"
    out = []
    for slug, entry in sorted(manifest.reports.items()):
        page = f"reports/{slug}.html"
        if page in uploaded:
            title = str(entry.title) if entry.has("title") else slug
            out.append(Changed(slug, title, base + page, [headline.to_json() for headline in entry.headlines]))
    return out


def _metric_text(metric: dict[str, Any]) -> str:
    change = f" ({metric['change']})" if metric.get("change") else ""
    return f"{metric.get('name')}: {metric.get('value')}{change}"


def published_payload(fmt: str, site_title: str, site_url: str, changed: list[Changed],
                      run: str | None) -> dict[str, Any]:
    if fmt == "json":
        return {"event": "published", "site": site_title, "site_url": site_url, "run_url": run,
                "reports": [{"slug": c.slug, "title": c.title, "url": c.url, "metrics": c.metrics} for c in changed]}
    lines = [f"*{_slack(site_title)}* published: {len(changed)} report(s) changed"]
    for c in changed:
        metrics = "; ".join(_slack(_metric_text(m)) for m in c.metrics)
        lines.append(f"• <{c.url}|{_slack(c.title)}>" + (f" — {metrics}" if metrics else ""))
    text = "\n".join(lines)
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def failed_payload(fmt: str, site_title: str, error: str, run: str | None) -> dict[str, Any]:
    if fmt == "json":
        return {"event": "failed", "site": site_title, "error": error, "run_url": run}
    text = f"*{_slack(site_title)}*: the publish failed: {_slack(error)}"
    if run:
        text += f"\n<{run}|Open the run>"
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def _slack(text: str) -> str:
    """Slack's three control characters, escaped as its docs ask."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def post(url: str, payload: dict[str, Any], warn: Warn) -> bool:
    """POST the payload as JSON; a failure is a warning, never an exception."""
    if not url.startswith(("https://", "http://")):
        warn("notify: the webhook URL must start with https:// (or http://); no message was sent")
        return False
    body = json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        warn(f"notify: the webhook answered HTTP {exc.code}; no message was delivered (the publish is not affected)")
        return False
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        warn(f"notify: could not reach the webhook ({reason}); no message was delivered (the publish is not "
             "affected)")
        return False
    return True


def webhook(settings: Notify | None, warn: Warn) -> str | None:
    """The webhook URL from the environment variable site.yaml names, or None (with a warning when it is unset)."""
    if settings is None:
        return None
    url = os.environ.get(settings.webhook_env, "").strip()
    if not url:
        warn(f"notify: {settings.webhook_env} is not set (site_src/site.yaml notify.webhook_env names it; add it as "
             "a repository secret); no message was sent")
        return None
    return url


def after_deploy(root: Path, site: Path, uploaded: list[str], warn: Warn) -> bool:
    """After a publish: a message listing the reports whose pages changed; nothing when none did."""
    settings = load_site(root)
    changed_url = os.environ.get("SITE_URL") or settings.base_url or ""
    changed = changed_reports(site, uploaded, changed_url)
    if not changed or settings.notify is None:
        return False
    url = webhook(settings.notify, warn)
    if not url:
        return False
    return post(url, published_payload(settings.notify.format, settings.title, changed_url, changed, run_url()), warn)


def record_error(line: str) -> None:
    """Keep the failing command's first error line for `reportsite notify --failed` (in Actions only)."""
    folder = os.environ.get("RUNNER_TEMP")
    if folder and os.path.isdir(folder):
        Path(folder, ERROR_FILE).write_text(" ".join(line.split())[:500] + "\n", encoding="utf-8")


def recorded_error() -> str:
    folder = os.environ.get("RUNNER_TEMP")
    path = Path(folder, ERROR_FILE) if folder else None
    if path and path.is_file():
        text = path.read_text(encoding="utf-8").strip()
        if text:
            return text
    return "a step failed before reportsite reported an error (see the run's log)"


def after_failure(root: Path, warn: Warn, error: str = "") -> bool:
    """After a failed run: the one-line error and the run's URL."""
    try:
        settings = load_site(root)
    except ReportError as exc:  # a broken site.yaml is likely why the run failed; nothing names a webhook
        warn(f"notify: site_src/site.yaml cannot be read ({exc.problems[0]}); no message was sent")
        return False
    url = webhook(settings.notify, warn)
    if not url or settings.notify is None:
        return False
    payload = failed_payload(settings.notify.format, settings.title, error.strip() or recorded_error(), run_url())
    return post(url, payload, warn)


def main(argv: list[str] | None = None) -> int:
    """``python -m reportsite.ops.notify --failed [--error TEXT]``: what ``reportsite notify --failed`` does, with
    PyYAML, pydantic and Babel only installed (publish.yml's `failed` job installs nothing else). Never fails."""
    parser = argparse.ArgumentParser(prog="python -m reportsite.ops.notify", description=main.__doc__)
    parser.add_argument("--project", default=".")
    parser.add_argument("--failed", action="store_true", required=True)
    parser.add_argument("--error", default="")
    args = parser.parse_args(argv)

    def warn(message: str) -> None:
        print(f"warning: {message}", file=sys.stderr)

    try:
        if after_failure(Path(args.project).resolve(), warn, args.error):
            print("✓ posted the failure to the webhook")
    except Exception as exc:  # a notification never fails the run; the failure is in its log
        warn(f"notify: {exc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
