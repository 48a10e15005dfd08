"""Models of what site.yaml sends out: the PDFs' paper, the sender of emails, and ``digests``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from reportsite.config.base import ENV_NAME, Email, Model
from reportsite.values import cadence

DigestName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
ReportName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]


class PdfSettings(Model):
    """How report pages are printed to PDF."""

    paper: Literal["auto", "a4", "letter"] = Field(
        "auto", description="a4, letter, or auto: Letter where the locale's country uses it (en-US, en-CA, es-MX, "
                            "…), A4 elsewhere.")


class Digest(Model):
    """Reports delivered on a schedule: by email (Amazon SES) with their PDFs, and/or to a Slack webhook."""

    schedule: str = Field(description="When, in the site's time zone: daily at 07:30, weekdays at 08:00, weekly on "
                                      "monday at 08:00, monthly on the 1st at 08:00.")
    reports: list[ReportName] = Field(default_factory=list, description="The reports it carries, by file name "
                                                                        "(reports/<name>.yaml).")
    audience: str | None = Field(None, description="Instead of (or besides) reports: every report this audience "
                                                   "of site.yaml may read; sent to the audience's emails unless "
                                                   "to is given.")
    to: list[Email] = Field(default_factory=list, description="Email addresses. A private report reaches only "
                                                              "those listed in the emails of one of its audiences.")
    webhook_env: str | None = Field(None, pattern=ENV_NAME, description="An environment variable holding a Slack "
                                                                        "(or other) webhook URL: headline metrics "
                                                                        "and links of its public reports.")
    format: Literal["slack", "json"] = Field("slack", description="The webhook's format: slack or json.")
    attach_pdf: bool = Field(True, description="Attach each report's PDF to the email (SES takes up to 10 MB a "
                                               "message; larger PDFs are linked instead).")

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        cadence.parse(value)
        return value

    @model_validator(mode="after")
    def _something(self) -> Digest:
        if not self.reports and self.audience is None:
            raise ValueError("a digest needs reports (report names) or an audience")
        return self


__all__ = ["Digest", "DigestName", "PdfSettings"]
