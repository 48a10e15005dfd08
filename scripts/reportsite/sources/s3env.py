"""S3 settings from the standard AWS environment, shared by boto3 and pyarrow.

Endpoint: ``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL`` (MinIO, R2, the test
server); region: ``AWS_REGION`` / ``AWS_DEFAULT_REGION`` / profile; credentials:
boto3's whole chain (environment, profile, SSO, web identity / OIDC, instance role).
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any


def endpoint_url() -> str | None:
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


def split_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/a/b`` → (``bucket``, ``a/b``)."""
    rest = url.split("://", 1)[1]
    bucket, _, key = rest.partition("/")
    return bucket, key


@lru_cache(maxsize=1)
def _session() -> Any:
    import boto3

    return boto3.session.Session()


@lru_cache(maxsize=1)
def client() -> Any:
    """A boto3 S3 client configured only from the environment.

    Standard retries (throttling, 5xx, dropped connections, with backoff); deploy adds its own per-file
    loop. Adaptive mode was measured to throttle the whole client to ~0.5 req/s after one 503.
    """
    from botocore.config import Config

    config = Config(retries={"max_attempts": 8, "mode": "standard"}, connect_timeout=10, read_timeout=60)
    return _session().client("s3", endpoint_url=endpoint_url(), config=config)


@lru_cache(maxsize=4)
def service_client(service: str) -> Any:
    """A boto3 client of another AWS service (athena, glue), configured only from the environment: boto3 reads
    ``AWS_ENDPOINT_URL_ATHENA``/``AWS_ENDPOINT_URL_GLUE`` or ``AWS_ENDPOINT_URL`` itself. Standard retries:
    throttling (TooManyRequestsException, ThrottlingException) and 5xx answers are retried with backoff."""
    from botocore.config import Config

    config = Config(retries={"max_attempts": 8, "mode": "standard"}, connect_timeout=10, read_timeout=60)
    return _session().client(service, region_name=region(), config=config)


def region() -> str:
    return _session().region_name or os.environ.get("AWS_REGION") or "us-east-1"


def storage_options() -> dict[str, str]:
    """Endpoint, region and credentials resolved through boto3's credential chain (for pyarrow)."""
    options: dict[str, str] = {"aws_region": region()}
    endpoint = endpoint_url()
    if endpoint:
        options["aws_endpoint_url"] = endpoint
        if endpoint.startswith("http://"):
            options["aws_allow_http"] = "true"
    credentials = _session().get_credentials()
    if credentials is not None:
        frozen = credentials.get_frozen_credentials()
        options["aws_access_key_id"] = frozen.access_key
        options["aws_secret_access_key"] = frozen.secret_key
        if frozen.token:
            options["aws_session_token"] = frozen.token
    else:
        options["aws_skip_signature"] = "true"
    return options


def reset() -> None:
    """Forget the cached session (tests change the environment between servers)."""
    _session.cache_clear()
    client.cache_clear()
    service_client.cache_clear()
