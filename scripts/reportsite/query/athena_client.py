"""Submitting one statement to Athena and waiting for it: the API calls, the time limit, retries, statistics.

``StartQueryExecution`` in the report's workgroup (engine DuckDB), with its database, result location and
``ExecutionParameters``; then ``GetQueryExecution`` until it finishes. Throttled calls are retried by botocore's
standard retry mode (with backoff); a query that fails for a reason Athena calls transient (``Retryable``, or a
system error) is started again, up to ``RETRIES`` times with growing pauses. A query still running after
``query_timeout_seconds`` is stopped (``StopQueryExecution``) and reported as over the limit. A query that fails
because of its SQL is an ``EngineError`` carrying the engine's message, which the session locates.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reportsite.query.engine import EngineError

RETRIES = 3  # a transient failure is started again this many times
BACKOFF = 1.0  # seconds before the first new start; doubles each time
POLL_FIRST, POLL_MAX = 0.05, 1.0  # seconds between GetQueryExecution calls: from the first, growing to the most
SYSTEM_ERROR = 1  # AthenaError.ErrorCategory: 1 system, 2 user, 3 other


@dataclass(frozen=True)
class Settings:
    """Where a report's queries run: ``athena:`` in site.yaml or the report."""

    workgroup: str
    database: str | None = None
    output_location: str | None = None  # s3://bucket/prefix/ for the result files (None: the workgroup's)


@dataclass
class Finished:
    """A query that succeeded: its id, where its result file is, and what it used."""

    id: str
    output: str
    scanned: int = 0
    dpu_ms: int = 0


@dataclass
class Submitter:
    """Runs statements in one workgroup; counts what it submitted and what Athena scanned."""

    athena: Any  # a boto3 Athena client
    settings: Settings
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    backoff: float = BACKOFF
    submitted: int = 0  # StartQueryExecution calls that Athena accepted
    scanned: int = 0  # DataScannedInBytes, summed
    dpu_ms: int = 0  # DpuConsumedInMillis, summed (where Athena reports it)
    ids: list[str] = field(default_factory=list)

    def run(self, sql: str, parameters: list[str], timeout: float | None) -> Finished:
        """Run ``sql`` (its ``?`` bound to ``parameters``, each an SQL constant) to completion."""
        for attempt in range(RETRIES + 1):
            execution = self._wait(self._start(sql, parameters), timeout)
            status = execution["Status"]
            if status["State"] == "SUCCEEDED":
                stats = execution.get("Statistics") or {}
                self.scanned += int(stats.get("DataScannedInBytes") or 0)
                self.dpu_ms += int(stats.get("DpuConsumedInMillis") or 0)
                output = (execution.get("ResultConfiguration") or {}).get("OutputLocation") or ""
                return Finished(execution["QueryExecutionId"], output, int(stats.get("DataScannedInBytes") or 0),
                                int(stats.get("DpuConsumedInMillis") or 0))
            error = status.get("AthenaError") or {}
            message = str(error.get("ErrorMessage") or status.get("StateChangeReason") or "no reason given")
            if status["State"] == "CANCELLED":
                raise EngineError(f"the query was cancelled on Athena ({message})", plain=True)
            transient = bool(error.get("Retryable")) or error.get("ErrorCategory") == SYSTEM_ERROR
            if not transient:
                raise EngineError(message)
            if attempt == RETRIES:
                raise EngineError(f"Athena failed to run it {RETRIES + 1} times ({message})", plain=True)
            self.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

    def _start(self, sql: str, parameters: list[str]) -> str:
        request: dict[str, Any] = {"QueryString": sql, "WorkGroup": self.settings.workgroup,
                                   "ClientRequestToken": uuid.uuid4().hex}
        if self.settings.database:
            request["QueryExecutionContext"] = {"Database": self.settings.database}
        if self.settings.output_location:
            request["ResultConfiguration"] = {"OutputLocation": self.settings.output_location}
        if parameters:
            request["ExecutionParameters"] = parameters
        answer = self._call("StartQueryExecution", self.athena.start_query_execution, **request)
        self.submitted += 1
        self.ids.append(answer["QueryExecutionId"])
        return str(answer["QueryExecutionId"])

    def _wait(self, query_id: str, timeout: float | None) -> dict[str, Any]:
        """The finished execution; stopped and reported over the limit after ``timeout`` seconds."""
        deadline = None if not timeout else self.clock() + timeout
        pause = POLL_FIRST
        while True:
            answer = self._call("GetQueryExecution", self.athena.get_query_execution, QueryExecutionId=query_id)
            execution: dict[str, Any] = answer["QueryExecution"]
            if execution["Status"]["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
                return execution
            if deadline is not None and self.clock() >= deadline:
                self._call("StopQueryExecution", self.athena.stop_query_execution, QueryExecutionId=query_id)
                raise EngineError("stopped on Athena", timed_out=True, seconds=float(timeout or 0))
            self.sleep(pause if deadline is None else max(0.0, min(pause, deadline - self.clock())))
            pause = min(pause * 1.5, POLL_MAX)

    def _call(self, operation: str, call: Callable[..., Any], **request: Any) -> Any:
        """One API call; a refusal (after botocore's retries of throttling) is an EngineError that says so."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return call(**request)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise EngineError(f"Athena refused {operation} ({error.get('Code', 'error')}: "
                              f"{error.get('Message', '')})", plain=True) from None
        except BotoCoreError as exc:
            raise EngineError(f"Athena could not be reached for {operation} ({exc})", plain=True) from None


__all__ = ["Finished", "Settings", "Submitter"]
