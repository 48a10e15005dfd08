"""publish.yml's hourly runs deliver the demo's weekly digest once: the run that catches up on a dropped one
sends it (with the reports' PDFs, through SES with the deploy role), the runs after it do not. A digest due
over a site that did not change is sent without publishing the site again."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
import requests

from tests.integration.test_workflows import (  # noqa: F401 (aws and checkout are fixtures)
    Aws,
    Publish,
    aws,
    checkout,
    publish_vars,
    site_keys,
)
from tests.support.gateway import serve_target

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def sent(server: str) -> list[email.message.EmailMessage]:
    data = requests.get(f"{server}/moto-api/data.json", timeout=10).json()
    return [email.message_from_string(raw["raw_data"], policy=email.policy.default)  # type: ignore[misc]
            for raw in data["ses"]["RawMessage"]]


def test_the_weekly_digest_goes_once_across_hourly_runs_even_after_a_dropped_one(
        aws: Aws, checkout, tmp_path: Path, s3_server: str) -> None:  # noqa: F811
    def digest_checkout(name: str) -> Path:  # the two reports the demo's digest carries: a shorter build and smoke
        root = checkout(name)
        for other in ("product", "products"):
            (root / "reports" / f"{other}.yaml").unlink()
        return root

    ran = {}
    with serve_target("s3://site/prod", aws.s3) as gateway:
        # Monday 2026-12-07, the demo's digest at 08:00 UTC: the 08:07 run was dropped and the next starts late
        # a push publishes the site at 07:07; the digest is due at 08:00
        for number, now in enumerate(("2026-12-07T07:07:00+00:00", "2026-12-07T09:41:00+00:00",
                                      "2026-12-07T10:07:00+00:00", "2026-12-07T15:07:00+00:00"), start=1):
            run = Publish(digest_checkout, tmp_path, str(number), publish_vars(gateway.url),
                          "push" if number == 1 else "schedule", roles=aws.roles, now=now)
            run.deploy.env["REPORTSITE_NOW"] = now  # GitHub's clock in the deploy job
            run.run()
            ran[now[11:16]] = (run.build.outputs.get("run"), run.build.outputs.get("deploy"), run.deploy.result,
                               len(sent(s3_server)))
            if now[11:16] == "09:41":  # the data did not change since 07:07: the digest goes, the site stays
                assert "Deploy" not in run.deploy.steps and "Send digests and alerts" in run.deploy.steps
    # 10:07 is still in the digest's catch-up window, but the record says it went at 09:41: nothing to build.
    assert ran == {"07:07": ("true", "true", "success", 0), "09:41": ("true", "false", "success", 1),
                   "10:07": ("false", "", "skipped", 1), "15:07": ("false", "", "skipped", 1)}
    (message,) = sent(s3_server)
    assert message["To"] == "owner@acme.example"
    assert message["Subject"] == "Acme Trading Reports: weekly digest, Dec 7, 2026 — Sales Report, Customers"
    assert [part.get_filename() for part in message.iter_attachments()] == ["sales.pdf", "customers.pdf"]
    assert "prod/.reportsite/deliveries.json" in site_keys(aws)
