"""``reportsite init``'s checks of email: the sender of digests and alerts (site.yaml ``email_from``) verified in
Amazon SES, the deploy role allowed ``ses:SendRawEmail`` on it, and, while the account is in SES's sandbox
(200 messages a day, to verified addresses only), every recipient verified."""

from __future__ import annotations

import email.utils
from collections.abc import Callable
from typing import Any

from reportsite.config.site_models import SiteConfig

SANDBOX_QUOTA = 200  # messages a day: what SES gives an account before production access


def recipients(site: SiteConfig, report_alerts: list[list[str]]) -> list[str]:
    """Every address a digest or an alert of the project may write to."""
    found: list[str] = []
    for digest in site.digests.values():
        audience = site.audiences.get(digest.audience) if digest.audience else None
        found += digest.to or (audience.emails if audience else [])
    for addresses in report_alerts:
        found += addresses
    return list(dict.fromkeys(a.lower() for a in found))


def check_sender(site: SiteConfig, addresses: list[str], session: Any, account: str, region: str,
                 deploy_allows: Callable[[str, str], bool] | None) -> tuple[list[str], list[str]]:
    """(what is in place, what is missing) for sending email; nothing when the project sends none."""
    if not addresses:
        return [], []
    from botocore.exceptions import BotoCoreError, ClientError

    ok: list[str] = []
    missing: list[str] = []
    sender = email.utils.parseaddr(site.email_from or "")[1]
    if not sender:
        return [], ["email_from: not set in site_src/site.yaml; digests and alerts need a sender verified in SES"]
    domain = sender.rpartition("@")[2]
    ses = session.client("ses", region_name=region)
    try:
        found = ses.get_identity_verification_attributes(Identities=[sender, domain])["VerificationAttributes"]
        quota = float(ses.get_send_quota()["Max24HourSend"])
    except (BotoCoreError, ClientError) as exc:
        return [], [f"email_from: Amazon SES in {region} cannot be asked ({exc})"]
    verified = [name for name in (sender, domain) if found.get(name, {}).get("VerificationStatus") == "Success"]
    if verified:
        ok.append(f"email_from: {verified[0]} is verified in Amazon SES ({region})")
    else:
        missing.append(f"email_from: neither {sender} nor {domain} is verified in Amazon SES ({region}): aws ses "
                       f"verify-domain-identity --domain {domain} (and its DNS records), or aws ses "
                       f"verify-email-identity --email-address {sender}")
    if deploy_allows is not None:
        arns = [f"arn:aws:ses:{region}:{account}:identity/{name}" for name in (sender, domain)]
        if any(deploy_allows("ses:SendRawEmail", arn) for arn in arns):
            ok.append(f"AWS_DEPLOY_ROLE_ARN: may ses:SendRawEmail as {sender}")
        else:
            missing.append(f"AWS_DEPLOY_ROLE_ARN: may not ses:SendRawEmail on {arns[1]} (README → Digests and "
                           "alerts: SES set-up)")
    if quota <= SANDBOX_QUOTA:
        try:
            asked = list(dict.fromkeys([*addresses, *(a.rpartition("@")[2] for a in addresses)]))
            status = ses.get_identity_verification_attributes(Identities=asked)["VerificationAttributes"]
        except (BotoCoreError, ClientError):
            status = {}
        unverified = [a for a in addresses if status.get(a, {}).get("VerificationStatus") != "Success"
                      and status.get(a.rpartition("@")[2], {}).get("VerificationStatus") != "Success"]
        line = f"Amazon SES sandbox: {quota:.0f} messages a day, to verified addresses only"
        if unverified:
            missing.append(f"{line}; not verified: {', '.join(unverified)} (verify them, or ask AWS for production "
                           "access: SES console → Account dashboard → Request production access)")
        else:
            ok.append(f"{line}; every recipient is verified")
    return ok, missing


__all__ = ["check_sender", "recipients"]
