"""Email through Amazon SES: one raw MIME message (plain text, HTML, PDF attachments) per group of recipients.

boto3's SES client is configured only from the environment, like every AWS client here: the run's role
(OIDC in Actions), ``AWS_REGION``, and ``AWS_ENDPOINT_URL`` (tests point it at moto's server on 127.0.0.1).
``send_raw_email`` needs the role's ``ses:SendRawEmail`` on the sender's identity. A failure is returned
as a sentence for a warning, never raised: a message that cannot be sent never fails the publish.
"""

from __future__ import annotations

import email.policy
import email.utils
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from reportsite.sources import s3env

MAX_ATTACHMENTS_BYTES = 9 * 1024 * 1024  # SES v1 takes 10 MB a message, base64 adds a third: keep well below


@dataclass
class Attachment:
    name: str
    data: bytes
    mime: str = "application/pdf"


@dataclass
class Mail:
    sender: str
    to: list[str]
    subject: str
    text: str
    html: str
    attachments: list[Attachment] = field(default_factory=list)

    def message(self) -> bytes:
        message = EmailMessage(policy=email.policy.SMTP)
        message["From"] = self.sender
        message["To"] = ", ".join(self.to)
        message["Subject"] = self.subject
        message["Date"] = email.utils.formatdate(usegmt=True)
        message["Message-ID"] = email.utils.make_msgid(domain=self.sender.rpartition("@")[2].strip("> ") or None)
        message.set_content(self.text)
        message.add_alternative(self.html, subtype="html")
        for item in self.attachments:
            maintype, _, subtype = item.mime.partition("/")
            message.add_attachment(item.data, maintype=maintype, subtype=subtype, filename=item.name)
        return message.as_bytes()


def fitting(attachments: list[Attachment]) -> tuple[list[Attachment], list[str]]:
    """The attachments that fit in one message, and the names of those left out (linked instead)."""
    kept, left, size = [], [], 0
    for item in attachments:
        if size + len(item.data) > MAX_ATTACHMENTS_BYTES:
            left.append(item.name)
            continue
        kept.append(item)
        size += len(item.data)
    return kept, left


def ses_client() -> Any:
    import boto3
    from botocore.config import Config

    config = Config(retries={"max_attempts": 4, "mode": "standard"}, connect_timeout=10, read_timeout=30)
    return boto3.session.Session().client("ses", region_name=s3env.region(), config=config)


def send(mail: Mail, client: Any | None = None) -> str | None:
    """Send ``mail``; None when SES accepted it, else why not (for a warning)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        (client or ses_client()).send_raw_email(Source=email.utils.parseaddr(mail.sender)[1],
                                                Destinations=list(mail.to), RawMessage={"Data": mail.message()})
    except ClientError as exc:
        error = exc.response.get("Error", {})
        return f"SES refused the message ({error.get('Code', '?')}: {error.get('Message', '')})"
    except BotoCoreError as exc:
        return f"SES could not be reached ({exc})"
    return None


__all__ = ["MAX_ATTACHMENTS_BYTES", "Attachment", "Mail", "fitting", "send", "ses_client"]
