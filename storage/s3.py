"""S3 backend on boto3: AWS S3, MinIO, Cloudflare R2 and anything else that speaks the S3 API.

One real bucket holds both logical buckets as key prefixes (``reference_images/...`` and
``user-library/...``), so a self-hoster creates and grants one bucket only. Credentials come from
boto3's own chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE``, instance roles),
never from our settings. Browsers get presigned GET URLs, which S3 (SigV4) caps at seven days:
callers that cache URLs must go through :class:`storage.url_cache.UrlCache`, which re-signs in time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from storage.base import (
    DEFAULT_EXPIRY_S,
    ObjectNotFound,
    StorageError,
    StoredObject,
    check_key,
    effective_expiry,
    normalise_prefix,
)

log = logging.getLogger(__name__)

#: SigV4 presigned URLs are valid for at most a week; AWS refuses longer ones at request time.
S3_MAX_EXPIRY_S = 7 * 24 * 3600
_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3Storage:
    """The Storage interface on one S3 bucket, logical buckets as key prefixes."""

    max_expiry_s = S3_MAX_EXPIRY_S
    #: Keys per ListObjectsV2 request (S3's own maximum); listings page through any number.
    list_page_size = 1000
    has_local_files = False

    def __init__(self, bucket: str, endpoint_url: str | None = None, region: str = "us-east-1",
                 create_bucket: bool = True, default_expiry_s: int = DEFAULT_EXPIRY_S,
                 *, client: Any | None = None) -> None:
        if not bucket:
            raise ValueError("S3Storage needs a bucket name (STUDIO_S3_BUCKET)")
        self.bucket = bucket
        self.region = region or "us-east-1"
        self.endpoint_url = endpoint_url or None
        self.default_expiry_s = default_expiry_s
        self._client = client or boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            config=Config(
                signature_version="s3v4",
                # MinIO and most self-hosted endpoints (and any IP address) need path-style URLs.
                s3={"addressing_style": "path" if self.endpoint_url else "auto"},
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=60,
                # Newer boto3 sends CRC checksums by default, which some S3 clones reject.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )
        if create_bucket:
            self.ensure_bucket()

    def ensure_bucket(self) -> None:
        """Create the bucket when it is missing (start-up; needs s3:CreateBucket then)."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            if _code(exc) not in _MISSING | {"NoSuchBucket"}:
                raise StorageError(f"Cannot reach S3 bucket {self.bucket!r}: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"Cannot reach S3 at {self.endpoint_url or 'AWS'}: {exc}") from exc
        params: dict[str, Any] = {"Bucket": self.bucket}
        if self.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            self._client.create_bucket(**params)
            log.info("Created S3 bucket %s", self.bucket)
        except ClientError as exc:
            if _code(exc) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                raise StorageError(f"Could not create S3 bucket {self.bucket!r}: {_code(exc)}") from exc

    # -- objects -------------------------------------------------------------------------------

    def put(self, bucket: str, key: str, data: bytes, content_type: str) -> StoredObject:
        answer = self._call("put_object", bucket, key, Body=data, ContentType=content_type,
                            CacheControl=f"private, max-age={S3_MAX_EXPIRY_S}")
        return StoredObject(bucket, key, len(data), content_type, _etag(answer))

    def get(self, bucket: str, key: str) -> bytes:
        answer = self._call("get_object", bucket, key)
        with answer["Body"] as body:
            return bytes(body.read())

    def stat(self, bucket: str, key: str) -> StoredObject:
        answer = self._call("head_object", bucket, key)
        return StoredObject(bucket, key, int(answer["ContentLength"]),
                            answer.get("ContentType") or "application/octet-stream", _etag(answer))

    def delete(self, bucket: str, key: str) -> None:
        self._call("delete_object", bucket, key)

    def exists(self, bucket: str, key: str) -> bool:
        try:
            self.stat(bucket, key)
        except ObjectNotFound:
            return False
        return True

    def list(self, bucket: str, prefix: str) -> list[StoredObject]:
        base = f"{bucket}/"
        full_prefix = base + normalise_prefix(bucket, prefix)
        keys: list[tuple[str, int, str]] = []
        try:
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=full_prefix, PaginationConfig={"PageSize": self.list_page_size})
            for page in pages:
                for item in page.get("Contents", []):
                    keys.append((item["Key"][len(base):], int(item["Size"]), _etag(item)))
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"Could not list {bucket}/{prefix}: {exc}") from exc
        # A listing carries no content types; one HEAD per object would make galleries slow, so
        # the type is read lazily by stat() when someone needs it.
        return [StoredObject(bucket, key, size, _guess_type(key), etag) for key, size, etag in sorted(keys)]

    # -- signed URLs ---------------------------------------------------------------------------

    def signed_url(self, bucket: str, key: str, expires_in: int | None = None) -> str:
        check_key(bucket, key)
        try:
            return str(self._client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": self._full_key(bucket, key)},
                ExpiresIn=effective_expiry(self, expires_in),
            ))
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"Could not sign {bucket}/{key}: {exc}") from exc

    def sign_many(self, bucket: str, keys: Iterable[str], expires_in: int | None = None) -> dict[str, str]:
        # Presigning is local computation (no request per key), so a loop is already a batch.
        return {key: self.signed_url(bucket, key, expires_in) for key in keys}

    # -- internals -----------------------------------------------------------------------------

    def _full_key(self, bucket: str, key: str) -> str:
        check_key(bucket, key)
        return f"{bucket}/{key}"

    def _call(self, operation: str, bucket: str, key: str, **params: Any) -> Any:
        full_key = self._full_key(bucket, key)
        try:
            return getattr(self._client, operation)(Bucket=self.bucket, Key=full_key, **params)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise ObjectNotFound(f"{bucket}/{key}") from exc
            raise StorageError(f"S3 {operation} {bucket}/{key} failed: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 {operation} {bucket}/{key} failed: {exc}") from exc


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _etag(answer: dict[str, Any]) -> str:
    return str(answer.get("ETag", "")).strip('"')


def _guess_type(key: str) -> str:
    suffix = key.rsplit(".", 1)[-1].lower() if "." in key else ""
    return _TYPES.get(suffix, "application/octet-stream")


_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp",
          "gif": "image/gif"}
