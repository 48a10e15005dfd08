"""The deploy's S3 plumbing: a small worker pool, retries on top of botocore's, and one clear message per failure."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Any, Protocol, TypeVar

from reportsite.deploy.target import Target
from reportsite.errors import DeployError

T = TypeVar("T")
Item = TypeVar("Item", bound="HasPath")
Sleep = Callable[[float], None]

WORKERS = 8
ATTEMPTS = 4  # our own attempts per object, each on top of botocore's retries
RETRYABLE_CODES = {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout",
                   "InternalError", "ServiceUnavailable", "OperationAborted", "503", "500", "502", "504"}
CREDENTIAL_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken",
                    "TokenRefreshRequired", "InvalidSecurity"}
MISSING_CODES = ("404", "NoSuchKey", "NotFound")


class HasPath(Protocol):
    @property
    def path(self) -> str: ...


def run_parallel(items: Sequence[Item], action: Callable[[Item], T], workers: int) -> dict[str, T]:
    """Run ``action`` over ``items`` on a few threads; on the first error stop starting new ones and raise it."""
    if not items:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(items)))) as pool:
        futures = {pool.submit(action, item): item.path for item in items}
        finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failures = [f for f in finished if f.exception() is not None]
        if failures:
            for future in futures:
                future.cancel()
            raise failures[0].exception()  # type: ignore[misc]
    return {path: future.result() for future, path in futures.items()}


def error_code(exc: BaseException) -> str:
    """The S3 error code of a botocore ClientError ('NoSuchKey', 'PreconditionFailed', '404', …); '' otherwise."""
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def http_status(exc: BaseException) -> int:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return 0
    return int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


def is_missing(exc: BaseException) -> bool:
    """A DeployError (or ClientError) that says the object does not exist."""
    cause = exc.__cause__ if isinstance(exc, DeployError) else exc
    return cause is not None and error_code(cause) in MISSING_CODES


def backoff(attempt: int) -> float:
    """Exponential backoff with jitter: about 1, 2, 4 … seconds, at most 20."""
    return min(20.0, 0.5 * 2 ** attempt) * random.uniform(0.5, 1.0)


def retryable(exc: BaseException) -> bool:
    """Throttling, 5xx and dropped or timed-out connections are worth another try; the rest are not."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError, IncompleteReadError

    if isinstance(exc, ClientError):
        if error_code(exc) == "NotImplemented":
            return False  # 501: the store lacks the feature; asking again will not add it
        return error_code(exc) in RETRYABLE_CODES or http_status(exc) >= 500
    return isinstance(exc, (ConnectionError, HTTPClientError, IncompleteReadError))


def retrying(call: Callable[[], T], action: str, target: Target, sleep: Sleep, attempts: int = ATTEMPTS) -> T:
    """``call()`` with our own retries on top of botocore's, for a job that must finish; S3 errors → DeployError."""
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except Exception as exc:
            if attempt < attempts and retryable(exc):
                sleep(backoff(attempt))
                continue
            error = explain(exc, action, target)
            if error is None:
                raise
            raise error from exc
    raise AssertionError("unreachable")


def explain(exc: BaseException, action: str, target: Target) -> DeployError | None:
    """One clear message for an S3 failure (credentials, missing bucket, access, endpoint); None if not S3."""
    from botocore import exceptions as boto

    if isinstance(exc, (boto.NoCredentialsError, boto.PartialCredentialsError)):
        return DeployError("no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or "
                           "AWS_PROFILE (in GitHub Actions, aws-actions/configure-aws-credentials with OIDC)")
    if isinstance(exc, (boto.CredentialRetrievalError, boto.TokenRetrievalError)):
        return DeployError(f"AWS credentials could not be loaded ({type(exc).__name__}); check the AWS profile "
                           "or the OIDC role set-up")
    if isinstance(exc, boto.EndpointConnectionError):
        return DeployError(f"cannot reach the S3 endpoint {exc.kwargs.get('endpoint_url', '')} to {action}; "
                           "check AWS_ENDPOINT_URL / AWS_REGION and the network")
    if isinstance(exc, boto.ClientError):
        return _explain_client_error(exc, action, target)
    if isinstance(exc, boto.BotoCoreError):
        return DeployError(f"could not {action}: {type(exc).__name__}: {exc}")
    return None


def _explain_client_error(exc: Any, action: str, target: Target) -> DeployError:
    error = exc.response.get("Error", {})
    code, status = str(error.get("Code", "")), exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code == "NoSuchBucket" or (code in ("404", "NotFound") and action.startswith("list")):
        return DeployError(f"bucket '{target.bucket}' does not exist at this endpoint; create it first "
                           "(README: Publishing to S3)")
    if code in ("AccessDenied", "403", "AllAccessDisabled", "Forbidden"):
        return DeployError(f"access denied: cannot {action}; the credentials need s3:ListBucket on bucket "
                           f"'{target.bucket}' and s3:GetObject, s3:PutObject, s3:DeleteObject on {target}*")
    if code in CREDENTIAL_CODES:
        return DeployError(f"AWS rejected the credentials ({code}) when trying to {action}; check the access "
                           "key or that the session has not expired")
    if code in ("PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException"):
        return DeployError(f"bucket '{target.bucket}' is in another region ({code}); set AWS_REGION to its region")
    message = str(error.get("Message", "")).strip()
    return DeployError(f"S3 refused to {action}: {code or status} (HTTP {status}){': ' + message if message else ''}")
