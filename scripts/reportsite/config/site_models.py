"""The typed model of ``site_src/site.yaml``: the site's settings, its audiences and where messages go.

Like the report models (``models``), the single source of truth for validation, the JSON Schema and the
README's reference.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import Literal

from pydantic import Field, field_validator

from reportsite.config.base import Email
from reportsite.config.delivery_models import Digest, DigestName, PdfSettings
from reportsite.config.labels import LabelText, check_language, label_problems
from reportsite.config.models import COLOR, DATA_ROOT_ENV, AthenaSettings, AudienceName, Engine, Model, known_currency
from reportsite.config.prices import PRICES


class Notify(Model):
    """Where the workflows post a message after a publish that changed something, and after a failed run."""

    webhook_env: str = Field(
        "NOTIFY_WEBHOOK_URL", pattern=r"^[A-Z_][A-Z0-9_]*$",
        description="The environment variable holding the webhook URL (a GitHub secret of that name; publish.yml "
                    "passes NOTIFY_WEBHOOK_URL). The URL itself never goes in this file.")
    format: Literal["slack", "json"] = Field(
        "slack", description="slack: Slack's incoming-webhook format ({text, blocks}; Mattermost and others accept "
                             "it too); json: a plain JSON object (event, site, reports, error, run_url).")


RESERVED_NAMES = frozenset({"BASH_ENV", "ENV", "PATH", "HOME", "SHELL", "IFS", "PS4", "NODE_OPTIONS", "CDPATH",
                            "PROMPT_COMMAND", "TMPDIR", "SHELLOPTS", "BASHOPTS", "GLOBIGNORE"})
RESERVED_PREFIXES = ("GITHUB_", "ACTIONS_", "RUNNER_", "AWS_", "LD_", "PYTHON", "DYLD_", "BASH_FUNC_", "GIT_", "SSH_")


class Audience(Model):
    """Readers who share one password for the private reports naming them in access."""

    password_env: str = Field(
        description="The environment variable holding the audience's password (at least 16 characters), e.g. "
                    "REPORTSITE_PASSWORD_FINANCE; in the workflows, from a GitHub secret of that name.")
    emails: list[Email] = Field(default_factory=list, description="The audience's email addresses: the only ones "
                                                                  "its private reports are emailed to (digests, "
                                                                  "alerts).")

    @field_validator("password_env")
    @classmethod
    def _variable_name(cls, name: str) -> str:
        """A plain variable name that no shell, runner or tool reads for itself (the workflows write it to
        $GITHUB_ENV: BASH_ENV or PATH there would run code)."""
        if not re.fullmatch(r"[A-Z][A-Z0-9_]{0,63}", name):
            raise ValueError(f"'{name}' is not an environment variable name (capital letters, digits and _, "
                             "e.g. REPORTSITE_PASSWORD_FINANCE)")
        if name in RESERVED_NAMES or name.startswith(RESERVED_PREFIXES):
            raise ValueError(f"'{name}' is a variable the shell, the runner or a tool reads; name it like "
                             "REPORTSITE_PASSWORD_FINANCE")
        return name


class SiteConfig(Model):
    """Site settings in ``site_src/site.yaml``."""

    title: str = Field("Reports", description="The site's name, shown in the header and the browser tab.")
    description: str = Field("", description="A line shown on the index page.")
    data_root: str = Field(
        "data", description="Where relative data paths point: a folder or an s3:// prefix. The environment "
                            f"variable {DATA_ROOT_ENV} overrides it.")
    base_url: str | None = Field(None, description="The published URL of the site, used by smoke checks.")
    deploy_target: str | None = Field(None, description="Where to publish: s3://bucket/prefix.")
    locale: str = Field("en-US", description="How numbers, amounts, percentages and dates are written on every "
                                             "page, e.g. en-US (1,234.56; Jan 5, 2026), de-DE (1.234,56; "
                                             "05.01.2026), en-GB, fr-CH. CSV downloads stay plain (1234.56, "
                                             "2026-01-05).")
    currency: str = Field("USD", description="The ISO currency code of the currency format, e.g. USD, EUR, CHF, "
                                             "written the locale's way: 1.234,56 € in de-DE, CHF 1,234.56 in "
                                             "en-US.")
    language: str | None = Field(
        None, description="The language of every word the site adds (\"All\", \"Last 30 days\", \"Download CSV\"): "
                          "en, de, fr, it, es, nl or pt, with a region where it spells differently (de-CH). "
                          "Defaults to the locale's language (English where there is no catalog for it).")
    labels: dict[str, LabelText] = Field(
        default_factory=dict, json_schema_extra={"additionalProperties": True},
        description="Your own words for any text the site adds, by its English text, e.g. {All: Alle Filialen, "
                    "\"vs previous period\": ggü. Vorjahr}; {count} stands for a number, and a text that counts "
                    "may give a form per plural category ({one: \"{count} Seite\", other: \"{count} Seiten\"}).")
    timezone: str = Field("UTC", description="The IANA time zone times are shown in, e.g. Europe/Zurich; the same "
                                             "for every reader, whatever their own. Timestamps with a time zone "
                                             "are converted and labelled (7:00 AM CET); dates and timestamps "
                                             "without one are shown as written.")
    logo: str | None = Field(None, description="An image file under site_src/ (e.g. static/logo.svg) shown in the "
                                               "header.")
    primary_color: str = Field("#2563eb", description="The brand colour of links, buttons and the first chart "
                                                      "series, as #rrggbb.")
    max_chart_rows: int = Field(5000, ge=1, description="The most rows one chart may embed.")
    max_slices: int = Field(200, ge=1, le=5000,
                            description="The most combinations of filter values one report may have (each is "
                                        "computed at build time).")
    max_pages: int = Field(2000, ge=1, le=20000,
                           description="The most pages one for_each report may have.")
    query_timeout_seconds: float = Field(
        120, gt=0, le=3600, description="The longest one query or data check may run, in seconds, before it is "
                                        "stopped and the build fails.")
    footer: str | None = Field(None, description="Text in the page footer.")
    publish_hour: int = Field(6, ge=0, le=23, description="The hour (0-23, in the site's time zone) when the "
                                                            "hourly scheduled run rebuilds daily, weekly (Mondays) and "
                                                            "monthly (the 1st) reports.")
    monthly_page_views: int = Field(1000, ge=0, description="Page views a month the cost estimate assumes for "
                                                            "transfer out of S3.")
    monthly_budget: float = Field(50, ge=0, description="US dollars a month; the build and deploy summaries warn "
                                                        "when the estimated bill is above it.")
    prices: dict[str, float] = Field(
        default_factory=dict, description="Overrides of the cost estimate's prices (USD), by name: "
                                          "s3_storage_gb_month, s3_put_per_1000, s3_get_per_1000, "
                                          "transfer_out_gb, transfer_free_gb, actions_minute, "
                                          "actions_free_minutes, athena_tb_scanned.")
    notify: Notify | None = Field(None, description="Post a message after a publish that changed something and "
                                                    "after a failed run, e.g. {webhook_env: NOTIFY_WEBHOOK_URL, "
                                                    "format: slack}.")

    @field_validator("prices")
    @classmethod
    def _known_prices(cls, value: dict[str, float]) -> dict[str, float]:
        for name, price in value.items():
            if name not in PRICES:
                raise ValueError(f"unknown price '{name}'; known: {', '.join(PRICES)}")
            if price < 0:
                raise ValueError(f"price '{name}' must not be negative")
        return value
    cache_max_gb: float | None = Field(
        None, gt=0, description="The most disk, in GB, the local cache of S3 columns may use; least recently used "
                                "copies are evicted, and a source too big for it is read from S3 at query time "
                                "instead. Default: half the free disk, at most 4 GB (so the entry restored, the "
                                "one saved and the virtualenv fit the 10 GB GitHub Actions cache).")
    engine: Engine = Field(
        "duckdb", description="Where the reports' queries run: duckdb (on the build machine, over local copies of "
                              "the S3 columns they read) or athena (Amazon Athena's DuckDB engine, next to the "
                              "data; set athena too). A report's engine overrides it.")
    athena: AthenaSettings | None = Field(
        None, description="Athena's settings for engine: athena, e.g. {workgroup: reportsite, database: sales_db, "
                          "output_location: s3://acme-athena-results/reportsite/}.")
    audiences: dict[AudienceName, Audience] = Field(
        default_factory=dict, json_schema_extra={"additionalProperties": False},
        description="Who may read private reports, as name: {password_env: VARIABLE}, e.g. {finance: "
                    "{password_env: REPORTSITE_PASSWORD_FINANCE}}. A report's access names them.")
    pdf: PdfSettings = Field(default_factory=PdfSettings, description="How pages are printed to PDF: {paper: auto "
                                                                      "| a4 | letter}.")
    email_from: str | None = Field(None, description="The sender of digests and alerts, an address or domain "
                                                     "verified in Amazon SES, e.g. 'Acme Reports "
                                                     "<reports@acme.example>'.")
    digests: dict[DigestName, Digest] = Field(
        default_factory=dict, json_schema_extra={"additionalProperties": False},
        description="Reports sent on a schedule, as name: {schedule, reports or audience, to, webhook_env}, e.g. "
                    "{weekly: {schedule: weekly on monday at 08:00, reports: [sales], to: [owner@acme.example]}}.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}'; use an IANA name such as UTC, Europe/Zurich or "
                             "America/New_York") from None
        return value

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        from babel import Locale, UnknownLocaleError

        try:
            Locale.parse(value.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            raise ValueError(f"unknown locale '{value}'; use a language and region such as en-US, en-GB or "
                             "de-DE") from None
        return value

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        return known_currency(value)

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str | None) -> str | None:
        return None if value is None else check_language(value)

    @field_validator("labels")
    @classmethod
    def _known_labels(cls, value: dict[str, LabelText]) -> dict[str, LabelText]:
        problems = label_problems(value)
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("primary_color")
    @classmethod
    def _hex_color(cls, value: str) -> str:
        if not COLOR.match(value):
            raise ValueError(f"'{value}' is not a colour written as #rrggbb (e.g. #2563eb)")
        return value


__all__ = ["Audience", "Digest", "Notify", "PdfSettings", "SiteConfig"]
