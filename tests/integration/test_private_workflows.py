"""The workflows hand the audiences' passwords to the steps that need them, and only to those: publish from the
secrets of the protected environments its jobs run in; pull requests from throwaway passwords made in the run
(code under review never sees a secret)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from reportsite.cli.main import main
from tests.conftest import REPO

NEEDS = ("reportsite check", "reportsite build", "reportsite smoke", "reportsite deliver")
WORKFLOWS = REPO / ".github" / "workflows"


def test_publish_passes_the_secrets_to_check_build_smoke_and_deliver_and_no_other_step() -> None:
    jobs = yaml.safe_load((WORKFLOWS / "publish.yml").read_text())["jobs"]
    seen = []
    for job in jobs.values():
        assert not any("secrets." in str(v) for v in (job.get("env") or {}).values())  # never job-wide
        for step in job["steps"]:
            env = step.get("env") or {}
            passwords = {k: v for k, v in env.items() if k.startswith("REPORTSITE_PASSWORD_")}
            if any(command in step.get("run", "") for command in NEEDS):
                seen.append(step["name"])
                assert passwords == {
                    name: f"${{{{ secrets.{name} }}}}"
                    for name in ("REPORTSITE_PASSWORD_FINANCE", "REPORTSITE_PASSWORD_OWNERS")
                }, step["name"]
            else:
                # no other step sees a password (the webhook's secret, in guarded environments, is test_workflows')
                assert not passwords and not re.search(r"secrets\.(?!NOTIFY_WEBHOOK_URL\b)", str(env)), step["name"]
    assert seen == [
        "Build",
        "Smoke-check the built site",
        "Smoke-check the published site",
        "Send digests and alerts",  # opens the private reports' delivery records and PDFs
    ]
    # only jobs in an environment (publish-build, production) read them: no branch but main can
    environments = [job.get("environment") for job in jobs.values() if "REPORTSITE_PASSWORD_" in str(job)]
    assert environments == ["publish-build", {"name": "production", "url": "${{ vars.SITE_URL }}"}]


def test_pull_requests_build_with_throwaway_passwords(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    steps = yaml.safe_load((WORKFLOWS / "pr.yml").read_text())["jobs"]["check"]["steps"]
    names = [s["name"] for s in steps]
    assert "secrets." not in (WORKFLOWS / "pr.yml").read_text()
    throwaway = names.index("Throwaway passwords for private reports")
    assert steps[throwaway]["run"] == 'reportsite password throwaway >> "$GITHUB_ENV"'
    assert throwaway < names.index("Check reports and data") < names.index("Build")
    (tmp_path / "site_src").mkdir()
    (tmp_path / "site_src" / "site.yaml").write_text(
        "audiences:\n  a: {password_env: PW_A}\n  b: {password_env: PW_B}\n  c: {password_env: PW_A}\n"
    )
    assert main(["--project", str(tmp_path), "password", "throwaway"]) == 0
    first = capsys.readouterr().out.splitlines()
    assert [line.split("=")[0] for line in first] == ["PW_A", "PW_B"]
    assert all(len(line.split("=", 1)[1]) >= 24 for line in first)
    assert main(["--project", str(tmp_path), "password", "throwaway"]) == 0
    assert set(capsys.readouterr().out.splitlines()).isdisjoint(first)  # new each run
