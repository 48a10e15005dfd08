"""One deploy at a time per target: a lock object written with S3 conditional writes.

The lock is ``<prefix>.reportsite/deploy.lock``, a small JSON object saying who holds it
and until when. It is created with ``If-None-Match: *`` (only one writer can create a
key), refreshed and taken over with ``If-Match: <ETag>`` (only one writer can replace
the version it read) and deleted with ``If-Match`` too, so two deploys can never both
believe they hold it. A lock past its ``expires`` (a crashed run) is stale and is taken
over. Stores without conditional writes are refused rather than deployed to unlocked.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from reportsite.deploy.s3 import ATTEMPTS, Sleep, backoff, error_code, http_status, is_missing, retrying
from reportsite.deploy.target import STATE, Target
from reportsite.errors import DeployError, Problem

LOCK = STATE + "deploy.lock"
TIMEOUT = timedelta(minutes=30)  # a lock not refreshed for this long belongs to a run that died
REFRESH_AFTER = TIMEOUT / 3  # between upload phases, a lock older than this is written again
CONFLICT_CODES = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def lock_url(target: Target) -> str:
    return f"s3://{target.bucket}/{target.key(LOCK)}"


def this_run() -> dict[str, Any]:
    """Who is deploying: host and pid, and the GitHub Actions run when there is one."""
    who: dict[str, Any] = {"host": socket.gethostname(), "pid": os.getpid()}
    for name in ("GITHUB_REPOSITORY", "GITHUB_RUN_ID"):
        if os.environ.get(name):
            who[name.lower()] = os.environ[name]
    return who


@dataclass(frozen=True)
class Held:
    """The lock as found on S3."""

    who: str
    started: datetime
    expires: datetime
    token: str
    etag: str

    def stale(self, now: datetime) -> bool:
        return now >= self.expires

    @classmethod
    def parse(cls, body: bytes, etag: str, modified: datetime) -> Held:
        """From the lock's JSON; an unreadable lock counts from its upload time."""
        try:
            data = json.loads(body)
            started, expires = (_aware(datetime.fromisoformat(data[k])) for k in ("started", "expires"))
            return cls(describe(data), started, expires, str(data.get("token", "")), etag)
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls("an unknown writer (the lock file is not reportsite's JSON)", modified, modified + TIMEOUT,
                       "", etag)


def describe(data: dict[str, Any]) -> str:
    """``GitHub Actions run 42 of acme/reports on host runner-1, pid 7`` (the parts the lock holds)."""
    machine = f"host {data.get('host', '?')}, pid {data.get('pid', '?')}"
    if data.get("github_run_id"):
        return f"GitHub Actions run {data['github_run_id']} of {data.get('github_repository', '?')} on {machine}"
    return machine


def held_message(target: Target, held: Held) -> str:
    """One line: who holds the lock, since when, when it goes stale, and how to clear it."""
    return (f"deploy target {target} is locked by another deploy ({held.who}) since {when(held.started)}; the "
            f"lock goes stale at {when(held.expires)}. Run the deploy again when that one has finished, or, if "
            f"it crashed, delete the lock: aws s3 rm {lock_url(target)}")


class _Conflict(Exception):
    """A conditional write lost: the lock exists (If-None-Match) or changed (If-Match)."""


def read_lock(client: Any, target: Target, sleep: Sleep = time.sleep) -> Held | None:
    """The lock under ``target``, or None when there is none."""
    key = target.key(LOCK)
    try:
        got = retrying(lambda: client.get_object(Bucket=target.bucket, Key=key), f"read the deploy lock {key}",
                       target, sleep)
    except DeployError as exc:
        if is_missing(exc):
            return None
        raise
    return Held.parse(got["Body"].read(), str(got.get("ETag", "")), got["LastModified"])


def dry_run_note(client: Any, target: Target, clock: Clock = utc_now, sleep: Sleep = time.sleep) -> str | None:
    """What a real deploy would find: a held lock (it would fail) or a stale one (it would take it over)."""
    held = read_lock(client, target, sleep)
    if held is None:
        return None
    if held.stale(clock()):
        return (f"note: a stale deploy lock ({held.who}, since {when(held.started)}, stale since "
                f"{when(held.expires)}) is on {target}; a deploy would take it over")
    return f"note: a deploy now would fail: {held_message(target, held)}"


class DeployLock:
    """The lock of one deploy: ``acquire`` before planning, ``refresh_if_due`` between phases, ``release`` last."""

    def __init__(self, client: Any, target: Target, clock: Clock = utc_now, sleep: Sleep = time.sleep,
                 timeout: timedelta = TIMEOUT) -> None:
        self.client, self.target, self.clock, self.sleep, self.timeout = client, target, clock, sleep, timeout
        self.key = target.key(LOCK)
        self.token = uuid.uuid4().hex
        self.etag: str | None = None  # set while we hold it
        self.started: datetime | None = None
        self.written: datetime | None = None

    def acquire(self) -> str | None:
        """Take the lock, or raise the held message; returns a note when a stale lock was taken over."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                self._write(IfNoneMatch="*")
                return None
            except _Conflict:
                pass
            held = read_lock(self.client, self.target, self.sleep)
            if held is None:
                self.sleep(backoff(attempt))  # released (or still being written) between our write and read
                continue
            if held.token == self.token:
                self.etag = held.etag  # our own write, whose answer was lost and retried
                return None
            if not held.stale(self.clock()):
                raise DeployError(held_message(self.target, held))
            try:
                self._write(IfMatch=held.etag)
                return (f"took over a stale deploy lock ({held.who}, since {when(held.started)}, stale since "
                        f"{when(held.expires)})")
            except _Conflict:
                continue  # another deploy replaced it first: look again
        raise DeployError(f"could not take the deploy lock {lock_url(self.target)}: other deploys kept taking and "
                          "releasing it; run the deploy again")

    def refresh_if_due(self) -> None:
        """Write the lock again (a new ``expires``) if it is older than REFRESH_AFTER; raise if it was lost."""
        if self.etag is None or self.written is None or self.clock() - self.written < REFRESH_AFTER:
            return
        try:
            self._write(IfMatch=self.etag)
        except _Conflict:
            held = read_lock(self.client, self.target, self.sleep)
            if held is not None and held.token == self.token:
                self.etag = held.etag
                return
            self.etag = None
            how = f"another deploy ({held.who}) took it over" if held else "it was deleted"
            raise DeployError(f"lost the deploy lock {lock_url(self.target)}: {how} while this deploy ran; "
                              "stopped before the next step; run the deploy again") from None

    def release(self) -> None:
        """Delete the lock if it is still ours (``If-Match``); raise DeployError if that fails."""
        etag, self.etag = self.etag, None
        if etag is None:
            return
        try:
            self._delete(etag)
        except _Conflict:
            held = read_lock(self.client, self.target, self.sleep)
            raise DeployError(f"the deploy lock {lock_url(self.target)} was taken over by another deploy "
                              f"({held.who if held else 'unknown'}) while this one ran; check the published "
                              "site and run the deploy again") from None
        except DeployError as exc:
            stale = when((self.written or self.clock()) + self.timeout)
            raise DeployError([*exc.problems, Problem(
                f"the deploy lock {lock_url(self.target)} was not released: the next deploy fails until it goes "
                f"stale at {stale}, or delete it: aws s3 rm {lock_url(self.target)}")]) from exc

    def release_after_failure(self) -> list[Problem]:
        """Release the lock of a failed deploy; never raises (the first error matters most): its problems, if any."""
        try:
            self.release()
        except DeployError as exc:
            return exc.problems
        return []

    def _write(self, **condition: str) -> None:
        now = self.clock()
        self.started = self.started or now
        body = {"tool": "reportsite deploy", "target": str(self.target), "token": self.token, **this_run(),
                "started": self.started.isoformat(timespec="seconds"),
                "expires": (now + self.timeout).isoformat(timespec="seconds")}
        try:
            answer = retrying(lambda: self.client.put_object(
                Bucket=self.target.bucket, Key=self.key, Body=json.dumps(body, indent=2).encode(),
                ContentType="application/json", CacheControl="no-store", **condition),
                f"write the deploy lock {self.key}", self.target, self.sleep)
        except DeployError as exc:
            self._raise_conditional(exc, "PutObject", condition)
            raise
        self.etag, self.written = str(answer.get("ETag", "")), now

    def _delete(self, etag: str) -> None:
        try:
            retrying(lambda: self.client.delete_object(Bucket=self.target.bucket, Key=self.key, IfMatch=etag),
                     f"delete the deploy lock {self.key}", self.target, self.sleep)
        except DeployError as exc:
            if is_missing(exc):
                return  # already gone (a retried delete whose first answer was lost)
            if _not_implemented(exc):  # conditional writes but no conditional deletes: check, then delete
                held = read_lock(self.client, self.target, self.sleep)
                if held is None:
                    return
                if held.token != self.token:
                    raise _Conflict() from exc
                retrying(lambda: self.client.delete_object(Bucket=self.target.bucket, Key=self.key),
                         f"delete the deploy lock {self.key}", self.target, self.sleep)
                return
            self._raise_conditional(exc, "DeleteObject", {"IfMatch": etag})
            raise

    def _raise_conditional(self, exc: DeployError, operation: str, condition: dict[str, str]) -> None:
        """A lost condition → _Conflict; a store without conditional writes → its own message."""
        cause = exc.__cause__
        if cause is None:
            return
        if error_code(cause) in CONFLICT_CODES or http_status(cause) in (409, 412) or (
                "IfMatch" in condition and is_missing(exc)):
            raise _Conflict() from exc
        if _not_implemented(exc):
            header = "If-None-Match" if "IfNoneMatch" in condition else "If-Match"
            raise DeployError(f"the S3 endpoint does not support conditional writes ({operation} with {header} "
                              f"answered NotImplemented), which the deploy lock needs; refusing to deploy to "
                              f"{self.target} without a lock: use a store that supports them (AWS S3 does)") from exc


def _not_implemented(exc: DeployError) -> bool:
    cause = exc.__cause__
    return cause is not None and (error_code(cause) == "NotImplemented" or http_status(cause) == 501)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
