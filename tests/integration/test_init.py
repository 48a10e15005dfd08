"""`reportsite init` against the loopback server's IAM, STS and S3 (moto over HTTP), as from a laptop."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reportsite.cli.main import main

pytestmark = pytest.mark.integration

ACCOUNT = "123456789012"  # the loopback server's account
REPOSITORY = "acme/reports"
READ = f"arn:aws:iam::{ACCOUNT}:role/reportsite-read"
DEPLOY = f"arn:aws:iam::{ACCOUNT}:role/reportsite-deploy"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
VARIABLES = {"AWS_READ_ROLE_ARN": READ, "AWS_DEPLOY_ROLE_ARN": DEPLOY, "AWS_REGION": "us-east-1",
             "DATA_ROOT": "s3://acme-data/reports", "DEPLOY_TARGET": "s3://acme-site/prod",
             "SITE_URL": "https://reports.acme.test/"}


def trust(subject: str) -> str:
    """The README's trust policy."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": PROVIDER}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                                       "token.actions.githubusercontent.com:sub": subject}}}]})


def allow(*statements: tuple[str | list[str], str]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": resource} for action, resource in statements]})


READ_POLICY = allow(("s3:ListBucket", "arn:aws:s3:::acme-data"), ("s3:GetObject", "arn:aws:s3:::acme-data/*"))
DEPLOY_POLICY = allow(("s3:ListBucket", "arn:aws:s3:::acme-site"),
                      (["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "arn:aws:s3:::acme-site/prod/*"),
                      ("ses:SendRawEmail", f"arn:aws:ses:us-east-1:{ACCOUNT}:identity/acme.example"))


@pytest.fixture
def aws(s3) -> Any:
    """The README's AWS set-up: the OIDC provider, both roles with their trust and permissions, both buckets."""
    import boto3

    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_open_id_connect_provider(Url="https://token.actions.githubusercontent.com",
                                        ClientIDList=["sts.amazonaws.com"], ThumbprintList=["a" * 40])
    for arn, subject, policy in ((READ, f"repo:{REPOSITORY}:environment:publish-build", READ_POLICY),
                                 (DEPLOY, f"repo:{REPOSITORY}:environment:production", DEPLOY_POLICY)):
        name = arn.rsplit("/", 1)[1]
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust(subject))
        iam.put_role_policy(RoleName=name, PolicyName="reportsite", PolicyDocument=policy)
    s3.create_bucket(Bucket="acme-data")
    s3.put_object(Bucket="acme-data", Key="reports/sales.parquet", Body=b"PAR1")
    s3.create_bucket(Bucket="acme-site")
    boto3.client("ses", region_name="us-east-1").verify_domain_identity(Domain="acme.example")  # the demo's sender
    return iam


def init(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(["init", *args])
    return code, capsys.readouterr().out.splitlines()


def test_a_complete_set_up_is_ready(aws, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    for name, value in VARIABLES.items():
        monkeypatch.setenv(name, value)

    code, lines = init(capsys, "--repository", REPOSITORY)

    assert code == 0
    assert lines[-1] == "✓ ready: push to main (or run the publish workflow) for the first publish"
    assert "✓ AWS_DEPLOY_ROLE_ARN: trusts GitHub's OIDC tokens with sub repo:acme/reports:environment:production" \
        in lines
    assert "✓ AWS_READ_ROLE_ARN: may not s3:PutObject on arn:aws:s3:::acme-site/prod/index.html (good)" in lines
    assert not [line for line in lines if line.startswith("✗")]


def test_it_prints_exactly_what_is_missing(aws, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    aws.delete_role_policy(RoleName="reportsite-deploy", PolicyName="reportsite")
    aws.update_assume_role_policy(RoleName="reportsite-deploy",
                                  PolicyDocument=trust(f"repo:{REPOSITORY}:ref:refs/heads/main"))
    aws.put_role_policy(RoleName="reportsite-deploy", PolicyName="too-much", PolicyDocument=allow(
        ("s3:*", "arn:aws:s3:::*")))
    aws.delete_open_id_connect_provider(OpenIDConnectProviderArn=PROVIDER)
    monkeypatch.setenv("AWS_REGION", "us-east-1")

    code, lines = init(capsys, "--repository", REPOSITORY, "--read-role", READ, "--deploy-role", DEPLOY,
                       "--data-root", "s3://acme-data/missing", "--deploy-target", "s3://no-such-site/prod")

    assert code == 1
    assert [line for line in lines if not line.startswith("✓")] == [
        "✗ SITE_URL: not set (the published site's address, e.g. https://reports.acme.example/); gh variable set "
        "SITE_URL --body VALUE",
        "✗ GitHub's OIDC provider is missing: aws iam create-open-id-connect-provider --url "
        "https://token.actions.githubusercontent.com --client-id-list sts.amazonaws.com",
        "✗ DATA_ROOT: nothing under s3://acme-data/missing yet (upload the data the reports read)",
        "✗ DEPLOY_TARGET: the bucket no-such-site does not exist",
        "✗ AWS_DEPLOY_ROLE_ARN: its trust policy does not accept GitHub's OIDC tokens with sub "
        "repo:acme/reports:environment:production",
        "✗ AWS_DEPLOY_ROLE_ARN: its trust policy also accepts sub repo:acme/reports:ref:refs/heads/main (only "
        "repo:acme/reports:environment:production is needed); anyone who can run a workflow there could assume it "
        "(README → AWS set-up, 3)",
        "✗ AWS_DEPLOY_ROLE_ARN: may s3:GetObject on arn:aws:s3:::acme-data/any-object; it should not (least "
        "privilege: README → AWS set-up, 4)",
        "✗ AWS_DEPLOY_ROLE_ARN: may not ses:SendRawEmail on arn:aws:ses:us-east-1:123456789012:identity/acme.example "
        "(README → Digests and alerts: SES set-up)",
        "8 thing(s) missing; fix them and run `reportsite init` again."]


def test_a_trust_open_to_every_repository_and_a_plain_http_site_are_not_ready(aws, monkeypatch, capsys) -> None:
    """Issue 23: init printed "ready" for a read role trusting repo:* with no audience, and for http://."""
    for name, value in {**VARIABLES, "SITE_URL": "http://acme-site.s3-website-eu-west-1.amazonaws.com/"}.items():
        monkeypatch.setenv(name, value)
    aws.update_assume_role_policy(RoleName="reportsite-read", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": PROVIDER}, "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}}]}))

    code, lines = init(capsys, "--repository", REPOSITORY)

    assert code == 1
    assert [line for line in lines if line.startswith("✗")] == [
        "✗ SITE_URL: 'http://acme-site.s3-website-eu-west-1.amazonaws.com/' does not start with https://; private "
        "reports open only over HTTPS, and readers' passwords should never cross plain HTTP (README → Publishing "
        "to S3)",
        "✗ AWS_READ_ROLE_ARN: its trust policy also accepts sub repo:* (only repo:acme/reports:environment:"
        "publish-build is needed); anyone who can run a workflow there could assume it (README → AWS set-up, 3)",
        "✗ AWS_READ_ROLE_ARN: its trust policy also accepts tokens for any audience (add StringEquals "
        "token.actions.githubusercontent.com:aud: sts.amazonaws.com); anyone who can run a workflow there could "
        "assume it (README → AWS set-up, 3)"]


def test_missing_variables_and_roles_are_named(aws, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    for name, value in VARIABLES.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_READ_ROLE_ARN")
    monkeypatch.setenv("AWS_DEPLOY_ROLE_ARN", f"arn:aws:iam::{ACCOUNT}:role/not-there")

    code, lines = init(capsys, "--repository", REPOSITORY)

    assert code == 1
    assert [line for line in lines if line.startswith("✗")] == [
        "✗ AWS_READ_ROLE_ARN: not set (the read-only data role's ARN, for the build job); gh variable set "
        "AWS_READ_ROLE_ARN --body VALUE",
        "✗ AWS_DEPLOY_ROLE_ARN: no role named not-there in this account (create it: README → AWS set-up, 3)"]


def test_without_credentials_it_says_how_to_get_them(monkeypatch: pytest.MonkeyPatch, capsys,
                                                     s3_server: str) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    code, lines = init(capsys, "--repository", REPOSITORY, *[f"--{k}={v}" for k, v in (
        ("read-role", READ), ("deploy-role", DEPLOY), ("region", "us-east-1"), ("data-root", "s3://a/b"),
        ("deploy-target", "s3://c/d"), ("site-url", "https://x.test/"))])

    assert code == 1
    assert lines[-2].startswith("✗ AWS credentials: none usable on this machine (Unable to locate credentials)")
    assert lines[-2].endswith("; run `aws configure` or `aws sso login` first")


def test_the_sender_of_digests_and_alerts_is_checked_in_ses(aws, monkeypatch: pytest.MonkeyPatch, capsys,
                                                           tmp_path) -> None:  # type: ignore[no-untyped-def]
    import boto3

    for name, value in VARIABLES.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "site_src").mkdir()
    (tmp_path / "site_src" / "site.yaml").write_text(
        'email_from: "Shop <reports@shop.example>"\ndigests:\n  weekly:\n    schedule: weekly on monday at 08:00\n'
        "    reports: [sales]\n    to: [owner@shop.example]\n", encoding="utf-8")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "sales.yaml").write_text("title: Sales\ntext: Hello.\n", encoding="utf-8")

    code = main(["--project", str(tmp_path), "init", "--repository", REPOSITORY])
    lines = capsys.readouterr().out.splitlines()

    assert code == 1
    assert [line for line in lines if line.startswith("✗")] == [
        "✗ email_from: neither reports@shop.example nor shop.example is verified in Amazon SES (us-east-1): aws ses "
        "verify-domain-identity --domain shop.example (and its DNS records), or aws ses verify-email-identity "
        "--email-address reports@shop.example",
        "✗ AWS_DEPLOY_ROLE_ARN: may not ses:SendRawEmail on arn:aws:ses:us-east-1:123456789012:identity/shop.example "
        "(README → Digests and alerts: SES set-up)",
        "✗ Amazon SES sandbox: 200 messages a day, to verified addresses only; not verified: owner@shop.example "
        "(verify them, or ask AWS for production access: SES console → Account dashboard → Request production "
        "access)"]
    boto3.client("ses", region_name="us-east-1").verify_domain_identity(Domain="shop.example")
    aws.put_role_policy(RoleName="reportsite-deploy", PolicyName="mail", PolicyDocument=allow(
        ("ses:SendRawEmail", f"arn:aws:ses:us-east-1:{ACCOUNT}:identity/shop.example")))
    code = main(["--project", str(tmp_path), "init", "--repository", REPOSITORY])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0, lines
    assert "✓ email_from: shop.example is verified in Amazon SES (us-east-1)" in lines
    assert "✓ Amazon SES sandbox: 200 messages a day, to verified addresses only; every recipient is verified" in lines


ATHENA_POLICY = {  # README → AWS set-up, Athena: the read role's extra permissions
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "RunReportQueries", "Effect": "Allow",
         "Action": ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
                    "athena:StopQueryExecution", "athena:GetWorkGroup"],
         "Resource": f"arn:aws:athena:us-east-1:{ACCOUNT}:workgroup/reports"},
        {"Sid": "ReadGlueTables", "Effect": "Allow",
         "Action": ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"],
         "Resource": [f"arn:aws:glue:us-east-1:{ACCOUNT}:catalog",
                      f"arn:aws:glue:us-east-1:{ACCOUNT}:database/sales_db",
                      f"arn:aws:glue:us-east-1:{ACCOUNT}:table/sales_db/*"]},
        {"Sid": "ResultBucket", "Effect": "Allow", "Action": "s3:GetBucketLocation",
         "Resource": "arn:aws:s3:::acme-athena-results"},
        {"Sid": "ListResults", "Effect": "Allow", "Action": "s3:ListBucket",
         "Resource": "arn:aws:s3:::acme-athena-results", "Condition": {"StringLike": {"s3:prefix": ["reportsite/*"]}}},
        {"Sid": "ResultFiles", "Effect": "Allow",
         "Action": ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
         "Resource": "arn:aws:s3:::acme-athena-results/reportsite/*"},
    ],
}


def test_reports_on_athena_need_a_duckdb_workgroup_the_read_role_may_use(aws, athena, monkeypatch, capsys,
                                                                        tmp_path) -> None:
    (tmp_path / "site_src").mkdir()
    (tmp_path / "reports").mkdir()
    (tmp_path / "site_src" / "site.yaml").write_text(
        "engine: athena\nathena: {workgroup: reports, output_location: s3://acme-athena-results/reportsite/}\n")
    (tmp_path / "reports" / "sales.yaml").write_text("title: Sales\ndata_source: sales.parquet\ntext: hello\n")
    (tmp_path / "reports" / "legacy.yaml").write_text(
        "title: Old\ndata_source: sales.parquet\nathena: {workgroup: legacy}\ntext: hello\n")
    athena.workgroups["legacy"] = {"engine": "Athena engine version 3"}
    aws.put_role_policy(RoleName="reportsite-read", PolicyName="athena", PolicyDocument=json.dumps(ATHENA_POLICY))
    for name, value in VARIABLES.items():
        monkeypatch.setenv(name, value)

    code = main(["--project", str(tmp_path), "init", "--repository", REPOSITORY])
    lines = capsys.readouterr().out.splitlines()

    assert code == 1
    assert "✓ athena.workgroup: reports exists and runs DuckDB" in lines
    assert (f"✓ AWS_READ_ROLE_ARN: may athena:StartQueryExecution on arn:aws:athena:us-east-1:{ACCOUNT}:workgroup/"
            "reports") in lines
    assert ("✓ AWS_READ_ROLE_ARN: may s3:PutObject on arn:aws:s3:::acme-athena-results/reportsite/any-result.csv"
            in lines)
    assert [line for line in lines if line.startswith("✗")] == [
        "✗ athena.workgroup: legacy runs 'Athena engine version 3', not DuckDB: aws athena update-work-group "
        "--work-group legacy --configuration-updates '{\"EngineVersion\": {\"SelectedEngineVersion\": \"DuckDB\"}}'",
        *[f"✗ AWS_READ_ROLE_ARN: may not {action} on arn:aws:athena:us-east-1:{ACCOUNT}:workgroup/legacy"
          for action in ("athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
                         "athena:StopQueryExecution", "athena:GetWorkGroup")]]
