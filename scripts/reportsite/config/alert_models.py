"""The model of a report's ``alerts``: a condition on a metric or a query, and whom to tell."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from reportsite.config.base import ENV_NAME, SQL_HELP, Email, Model
from reportsite.values import conditions


class Alert(Model):
    """A message when a number crosses a line: sent when the condition becomes true and again when it clears."""

    name: str | None = Field(None, description="The alert's name in its messages. Defaults to the metric (or "
                                               "'query') and the condition.")
    metric: str | None = Field(None, description="The name of one of the report's metrics, e.g. Revenue.")
    query: str | None = Field(None, description=f"Instead of a metric: SQL whose rows (rows > 0) or first row's "
                                                f"'value' column the condition tests. {SQL_HELP}")
    when: str = Field(description="The condition: value, change (a metric's, against its previous value) or rows "
                                  "(a query's), a comparison and a number, e.g. value < 1000, change < -20%, "
                                  "rows > 0.")
    to: list[Email] = Field(default_factory=list, description="Email addresses to tell (through Amazon SES, from "
                                                              "site.yaml's email_from).")
    webhook_env: str | None = Field(None, pattern=ENV_NAME, description="An environment variable holding a webhook "
                                                                        "URL to post to (a GitHub secret).")
    format: Literal["slack", "json"] = Field("slack", description="The webhook's format: slack or json.")

    @field_validator("when")
    @classmethod
    def _condition(cls, value: str) -> str:
        conditions.parse(value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Alert:
        if (self.metric is None) == (self.query is None):
            raise ValueError("an alert tests either a metric or a query: give one of metric, query")
        measure = conditions.parse(self.when).measure
        if measure == "rows" and self.query is None:
            raise ValueError("'rows' counts a query's rows: give query, or test a metric's value or change")
        if measure == "change" and self.metric is None:
            raise ValueError("'change' is a metric's change: give metric, or test a query's value or rows")
        if not self.to and not self.webhook_env:
            raise ValueError("an alert needs someone to tell: to (email addresses) or webhook_env")
        return self

    @property
    def condition(self) -> conditions.Condition:
        return conditions.parse(self.when)

    def label(self) -> str:
        return self.name or f"{self.metric or 'query'}: {conditions.parse(self.when).text}"


__all__ = ["Alert"]
