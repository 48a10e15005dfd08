"""``reportsite init``: from a laptop, check that a new repository's AWS and GitHub settings fit publish.yml.

It reads the repository variables publish.yml uses (from the command line or the environment, under the
same names), then, with the AWS CLI's credentials (boto3's default chain: ``aws configure``, ``aws sso
login``, AWS_PROFILE), checks the GitHub OIDC provider, each role's trust policy (its ``sub`` is the job's:
``repo:OWNER/REPO:environment:publish-build`` for the build, ``repo:OWNER/REPO:environment:production`` for
the deploy: the environments that hold the passwords and that only ``main`` may use), each role's
permissions (the read role reads the data, the deploy role writes the site prefix, neither the other's) and
both buckets; when digests or alerts send email, the sender (site.yaml's ``email_from``) in Amazon SES
(``init_ses``); for reports on Athena, that each workgroup exists and runs DuckDB and that the read role may
use it (``init_athena``). It changes nothing and prints one line for each thing missing.
"""

from __future__ import annotations

import fnmatch
import json
import os
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportsite.config.project import Project, load_project
from reportsite.errors import ReportError
from reportsite.ops import init_athena, init_ses

OIDC_HOST = "token.actions.githubusercontent.com"
VARIABLES = {  # repository variable: what it holds
    "AWS_READ_ROLE_ARN": "the read-only data role's ARN, for the build job",
    "AWS_DEPLOY_ROLE_ARN": "the deploy role's ARN, for the deploy job",
    "AWS_REGION": "the buckets' region, e.g. eu-west-1",
    "DATA_ROOT": "where the data lives, e.g. s3://acme-data/reports",
    "DEPLOY_TARGET": "where the site is published, e.g. s3://acme-reports-site/prod",
    "SITE_URL": "the published site's address, e.g. https://reports.acme.example/",
}


@dataclass
class Findings:
    ok: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def check(self, passed: bool, good: str, bad: str) -> bool:
        (self.ok if passed else self.missing).append(good if passed else bad)
        return passed


def _bucket_prefix(url: str) -> tuple[str, str]:
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    return bucket, prefix.strip("/")


def _statements(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, str):
        document = json.loads(urllib.parse.unquote(document))
    found = document.get("Statement", [])
    return [found] if isinstance(found, dict) else list(found)


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _allows(statements: Iterable[dict[str, Any]], action: str, resource: str) -> bool:
    """Whether an Allow statement grants ``action`` on ``resource`` (wildcards as IAM reads them; no Deny)."""
    for s in statements:
        if s.get("Effect") != "Allow":
            continue
        actions = [a.lower() for a in _listed(s.get("Action"))]
        if any(fnmatch.fnmatchcase(action.lower(), a) for a in actions) and any(
                fnmatch.fnmatchcase(resource, r) for r in _listed(s.get("Resource"))):
            return True
    return False


def _role_policies(iam: Any, name: str) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for policy in iam.list_role_policies(RoleName=name).get("PolicyNames", []):
        statements += _statements(iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"])
    for attached in iam.list_attached_role_policies(RoleName=name).get("AttachedPolicies", []):
        arn = attached["PolicyArn"]
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        statements += _statements(iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"])
    return statements


def _trusts(trust: list[dict[str, Any]], subject: str) -> bool:
    """A statement lets GitHub's OIDC tokens with this ``sub`` assume the role."""
    for s in trust:
        federated = _listed((s.get("Principal") or {}).get("Federated")) if isinstance(s.get("Principal"), dict) \
            else []
        if s.get("Effect") != "Allow" or not any(f.endswith(f"oidc-provider/{OIDC_HOST}") for f in federated):
            continue
        if "sts:assumerolewithwebidentity" not in [a.lower() for a in _listed(s.get("Action"))]:
            continue
        conditions = s.get("Condition") or {}
        subs = [(op, v) for op, block in conditions.items() for key, v in block.items()
                if key.lower() == f"{OIDC_HOST}:sub"]
        for op, values in subs:
            like = op.lower().startswith("stringlike")
            if any(fnmatch.fnmatchcase(subject, v) if like else subject == v for v in _listed(values)):
                return True
    return False


def _too_wide(trust: list[dict[str, Any]], subject: str) -> list[str]:
    """What a role's trust accepts beyond GitHub's tokens for exactly ``subject`` with the STS audience: other
    repositories, branches or environments (``repo:*``, ``repo:OWNER/*``), or any audience."""
    wide = []
    for s in trust:
        federated = _listed((s.get("Principal") or {}).get("Federated")) if isinstance(s.get("Principal"), dict) \
            else []
        if s.get("Effect") != "Allow" or not any(f.endswith(f"oidc-provider/{OIDC_HOST}") for f in federated):
            continue
        conditions = s.get("Condition") or {}
        subs = [v for block in conditions.values() for key, values in block.items()
                if key.lower() == f"{OIDC_HOST}:sub" for v in _listed(values)]
        auds = [(op, v) for op, block in conditions.items() for key, values in block.items()
                if key.lower() == f"{OIDC_HOST}:aud" for v in _listed(values)]
        other = [v for v in subs if v != subject]
        if not subs:
            wide.append("tokens with any sub (every repository on GitHub)")
        elif other:
            wide.append(f"sub {', '.join(other)} (only {subject} is needed)")
        if not auds or any(v != "sts.amazonaws.com" or not op.lower().startswith("stringequals") for op, v in auds):
            wide.append("tokens for any audience (add StringEquals token.actions.githubusercontent.com:aud: "
                        "sts.amazonaws.com)")
    return wide


def check_role(iam: Any, found: Findings, label: str, arn: str, subject: str,
               must: list[tuple[str, str]], must_not: list[tuple[str, str]]) -> None:
    name = arn.rsplit("/", 1)[-1]
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        found.missing.append(f"{label}: no role named {name} in this account (create it: README → AWS set-up, 3)")
        return
    found.check(role["Arn"] == arn, f"{label}: role {name} exists",
                f"{label}: the role is {role['Arn']}, not {arn}")
    trust = _statements(role["AssumeRolePolicyDocument"])
    found.check(_trusts(trust, subject),
                f"{label}: trusts GitHub's OIDC tokens with sub {subject}",
                f"{label}: its trust policy does not accept GitHub's OIDC tokens with sub {subject}")
    for what in _too_wide(trust, subject):
        found.missing.append(f"{label}: its trust policy also accepts {what}; anyone who can run a workflow there "
                             "could assume it (README → AWS set-up, 3)")
    statements = _role_policies(iam, name)
    for action, resource in must:
        found.check(_allows(statements, action, resource), f"{label}: may {action} on {resource}",
                    f"{label}: may not {action} on {resource}")
    for action, resource in must_not:
        found.check(not _allows(statements, action, resource), f"{label}: may not {action} on {resource} (good)",
                    f"{label}: may {action} on {resource}; it should not (least privilege: README → AWS set-up, 4)")


def _bucket(s3: Any, found: Findings, label: str, url: str) -> None:
    from botocore.exceptions import ClientError

    bucket, prefix = _bucket_prefix(url)
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        reason = "does not exist" if code in ("404", "NoSuchBucket", "NotFound") else f"cannot be read ({code})"
        found.missing.append(f"{label}: the bucket {bucket} {reason}")
        return
    found.ok.append(f"{label}: the bucket {bucket} exists")
    if label == "DATA_ROOT":
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/" if prefix else "", MaxKeys=1)
        found.check(listed.get("KeyCount", 0) > 0, f"DATA_ROOT: {url} holds data",
                    f"DATA_ROOT: nothing under {url} yet (upload the data the reports read)")


def run_checks(values: dict[str, str], repository: str, session: Any, project: Project | None = None,
               athena: dict[str, str | None] | None = None) -> Findings:
    """Every check; ``values`` are the repository variables, ``session`` a boto3 session, ``project`` the
    project whose digests and alerts send email (site.yaml's email_from), ``athena`` the workgroups the reports
    run in (engine: athena) with their result locations."""
    from botocore.exceptions import BotoCoreError, ClientError

    found = Findings()
    for name, meaning in VARIABLES.items():
        found.check(bool(values.get(name)), f"{name} = {values.get(name)}",
                    f"{name}: not set ({meaning}); gh variable set {name} --body VALUE")
    if not repository or "/" not in repository:
        found.missing.append("--repository OWNER/REPO: not given (the roles' trust policies name it)")
    for name in ("DATA_ROOT", "DEPLOY_TARGET"):
        if values.get(name) and not values[name].startswith("s3://"):
            found.missing.append(f"{name}: '{values[name]}' is not an s3://bucket/prefix URL")
    if values.get("SITE_URL"):
        found.check(values["SITE_URL"].startswith("https://"), "SITE_URL is an HTTPS address",
                    f"SITE_URL: '{values['SITE_URL']}' does not start with https://; private reports open only "
                    "over HTTPS, and readers' passwords should never cross plain HTTP (README → Publishing to S3)")
    try:
        account = session.client("sts").get_caller_identity()["Account"]
    except (BotoCoreError, ClientError) as exc:
        found.missing.append(f"AWS credentials: none usable on this machine ({exc}); run `aws configure` or "
                             "`aws sso login` first")
        return found
    found.ok.append(f"AWS credentials: account {account}")
    iam, s3 = session.client("iam"), session.client("s3")
    providers = [p["Arn"] for p in iam.list_open_id_connect_providers().get("OpenIDConnectProviderList", [])]
    found.check(any(p.endswith(f"oidc-provider/{OIDC_HOST}") for p in providers),
                f"GitHub's OIDC provider ({OIDC_HOST}) exists",
                f"GitHub's OIDC provider is missing: aws iam create-open-id-connect-provider --url https://{OIDC_HOST} "
                "--client-id-list sts.amazonaws.com")
    data, site = values.get("DATA_ROOT", ""), values.get("DEPLOY_TARGET", "")
    data_ok, site_ok = data.startswith("s3://"), site.startswith("s3://")
    data_bucket, _ = _bucket_prefix(data)
    site_bucket, site_prefix = _bucket_prefix(site)
    site_objects = f"arn:aws:s3:::{site_bucket}/{site_prefix + '/' if site_prefix else ''}index.html"
    data_objects = f"arn:aws:s3:::{data_bucket}/any-object"
    if data_ok:
        _bucket(s3, found, "DATA_ROOT", data)
    if site_ok:
        _bucket(s3, found, "DEPLOY_TARGET", site)
    region = values.get("AWS_REGION") or session.region_name or "us-east-1"
    athena_must = init_athena.check_workgroups(session, found, athena or {}, region, account) if athena else []
    if repository and values.get("AWS_READ_ROLE_ARN") and data_ok:
        must = [("s3:ListBucket", f"arn:aws:s3:::{data_bucket}"), ("s3:GetObject", data_objects), *athena_must]
        check_role(iam, found, "AWS_READ_ROLE_ARN", values["AWS_READ_ROLE_ARN"],
                   f"repo:{repository}:environment:publish-build", must,
                   [("s3:PutObject", site_objects)] if site_ok else [])
    if repository and values.get("AWS_DEPLOY_ROLE_ARN") and site_ok:
        must = [("s3:ListBucket", f"arn:aws:s3:::{site_bucket}")]
        must += [(action, site_objects) for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")]
        check_role(iam, found, "AWS_DEPLOY_ROLE_ARN", values["AWS_DEPLOY_ROLE_ARN"],
                   f"repo:{repository}:environment:production", must,
                   [("s3:GetObject", data_objects)] if data_ok and data_bucket != site_bucket else [])
    if project is not None:
        _sender(found, project, session, account, values, iam)
    return found


def _sender(found: Findings, project: Project, session: Any, account: str, values: dict[str, str], iam: Any) -> None:
    addresses = init_ses.recipients(project.site, [list(a.to) for r in project.reports for a in r.config.alerts])
    deploy = values.get("AWS_DEPLOY_ROLE_ARN", "")
    allows = None
    if deploy:
        try:
            statements = _role_policies(iam, deploy.rsplit("/", 1)[-1])
            allows = lambda action, resource: _allows(statements, action, resource)  # noqa: E731
        except iam.exceptions.NoSuchEntityException:
            allows = None  # reported above
    ok, missing = init_ses.check_sender(project.site, addresses, session, account,
                                        values.get("AWS_REGION") or "us-east-1", allows)
    found.ok += ok
    found.missing += missing


def init_command(args: Any, console: Any) -> int:
    """Print what is in place and exactly what is missing; 1 when anything is."""
    import boto3

    values = {name: (getattr(args, name.lower(), None) or os.environ.get(name, "")).strip() for name in VARIABLES}
    repository = (args.repository or os.environ.get("GITHUB_REPOSITORY", "")).strip()
    session = boto3.session.Session(region_name=values["AWS_REGION"] or None)
    try:
        project: Project | None = load_project(Path(args.project))
    except ReportError as exc:
        console.print(f"✗ the project cannot be read: {exc.problems[0]}", markup=False, style="red")
        project = None
    found = run_checks(values, repository, session, project, init_athena.workgroups(Path(args.project)))
    for line in found.ok:
        console.print(f"✓ {line}", markup=False, style="green")
    for line in found.missing:
        console.print(f"✗ {line}", markup=False, style="red")
    if found.missing:
        console.print(f"{len(found.missing)} thing(s) missing; fix them and run `reportsite init` again.",
                      markup=False)
        return 1
    console.print("✓ ready: push to main (or run the publish workflow) for the first publish", markup=False,
                  style="green")
    return 0
