"""S3 data sources: the Parquet and CSV objects behind an ``s3://`` URL (one object, a folder or a glob), listed
with boto3 (names, sizes, ETags: the build's fingerprint), and one clear line for each S3 error."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from reportsite.errors import SourceError, did_you_mean, one_line
from reportsite.sources import s3env
from reportsite.sources.model import CSV, GLOB_CHARS, PARQUET, DataFile


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Glob with ``**`` spanning folders, ``*`` within one folder."""
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + r"\Z")


def list_s3(url: str, written: str, client: Any | None = None) -> list[DataFile]:
    """The Parquet/CSV objects behind an s3:// source (one object, a folder or a glob); SourceError if none."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    bucket, key = s3env.split_s3_url(url)
    if not bucket:
        raise SourceError(f"data source '{written}' has no bucket name (expected s3://bucket/key)")
    client = client or s3env.client()
    match = GLOB_CHARS.search(key)
    pattern = glob_to_regex(key) if match else None
    try:
        objects = _s3_objects(client, bucket, key, key[: match.start()] if match else key, pattern)
    except NoCredentialsError:
        raise SourceError(
            f"data source '{written}': no AWS credentials found; set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or use OIDC in GitHub Actions"
        ) from None
    except ClientError as exc:
        raise client_error(exc, written, bucket, key) from None
    except BotoCoreError as exc:
        raise SourceError(f"data source '{written}': cannot reach S3 ({one_line(str(exc))})") from None
    keys = [o for o in objects if o["Key"].lower().endswith(PARQUET + CSV)]
    odd = next((o["Key"] for o in keys if any(part in ("", ".", "..") for part in o["Key"].split("/"))), None)
    if odd is not None:
        raise SourceError(f"data source '{written}': the object key '{odd}' has an empty, '.' or '..' part, "
                          "which cannot be read safely; rename the object")
    if not keys:
        if objects:
            raise SourceError(f"data source '{written}' matches no .parquet or .csv objects in s3://{bucket}")
        hint = near_key(client, bucket, key) if pattern is None else ""
        raise SourceError(f"data source '{written}' not found: no object s3://{bucket}/{key}{hint}")
    return [
        DataFile(
            url=f"s3://{bucket}/{o['Key']}",
            size=int(o["Size"]),
            modified=o["LastModified"].astimezone(dt.UTC),
            tag=str(o.get("ETag", "")).strip('"'),
        )
        for o in sorted(keys, key=lambda o: o["Key"])
    ]


def _s3_objects(client: Any, bucket: str, key: str, prefix: str,
                pattern: re.Pattern[str] | None) -> list[dict[str, Any]]:
    """HEAD the key when it names one object; otherwise list the prefix (a folder or a glob's fixed part)."""
    from botocore.exceptions import ClientError

    if pattern is None and key and not key.endswith("/"):
        try:
            head = client.head_object(Bucket=bucket, Key=key)
            return [{"Key": key, "Size": head["ContentLength"], "ETag": head["ETag"],
                     "LastModified": head["LastModified"]}]
        except ClientError as exc:
            if error_code(exc) == "403":  # HEAD has no error body: ask again with a request that has one
                client.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
                raise
            if error_code(exc) not in ("404", "NoSuchKey", "NotFound"):
                raise
            prefix = key + "/"  # maybe a folder
    objects: list[dict[str, Any]] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        objects.extend(o for o in page.get("Contents", []) if pattern is None or pattern.match(o["Key"]))
    return objects


def client_error(exc: Any, written: str, bucket: str, key: str) -> SourceError:
    """One line for an S3 error: missing bucket, access denied, refused credentials, or the code S3 gave."""
    code = error_code(exc)
    if code == "NoSuchBucket":
        return SourceError(f"data source '{written}': bucket '{bucket}' does not exist")
    if code in ("AccessDenied", "403", "AllAccessDisabled"):
        code = "AccessDenied" if code == "403" else code
        return SourceError(
            f"data source '{written}': access denied to s3://{bucket}/{key} ({code}); check that the AWS "
            "credentials may s3:ListBucket and s3:GetObject on this bucket")
    if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken"):
        return SourceError(
            f"data source '{written}': S3 refused the AWS credentials ({code}); check AWS_ACCESS_KEY_ID, "
            "AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or the OIDC role in GitHub Actions")
    return SourceError(f"data source '{written}': S3 error {code or 'unknown'}: {one_line(str(exc))}")


def near_key(client: Any, bucket: str, key: str) -> str:
    """' (did you mean 's3://bucket/sales.parquet'?)' for an object of a similar name in the same folder."""
    from botocore.exceptions import BotoCoreError, ClientError

    folder = key.rsplit("/", 1)[0] + "/" if "/" in key else ""
    try:
        listing = client.list_objects_v2(Bucket=bucket, Prefix=folder, Delimiter="/", MaxKeys=1000)
    except (BotoCoreError, ClientError):
        return ""
    names = [o["Key"] for o in listing.get("Contents", [])]
    hint = did_you_mean(key, names)
    return hint.replace("'", f"'s3://{bucket}/", 1) if hint else ""


def error_code(exc: Any) -> str:
    """The S3 error code of a botocore ClientError ('NoSuchBucket', '403', ...)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


__all__ = ["client_error", "error_code", "glob_to_regex", "list_s3", "near_key"]
