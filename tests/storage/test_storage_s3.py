"""What only the S3 backend does: one real bucket, logical buckets as prefixes, start-up creation."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from storage.base import REFERENCE_IMAGES, USER_LIBRARY, ObjectNotFound, StorageError
from storage.s3 import S3_MAX_EXPIRY_S, S3Storage
from tests.support.storage import fetch, unique_bucket

pytest_plugins = ["tests.support.storage_fixtures"]


def raw_client(endpoint: str, region: str = "us-east-1"):  # type: ignore[no-untyped-def]
    return boto3.session.Session().client("s3", endpoint_url=endpoint, region_name=region)


def test_the_bucket_is_created_at_start_up_when_missing(moto_endpoint: str) -> None:
    name = unique_bucket()
    raw = raw_client(moto_endpoint)
    assert name not in [b["Name"] for b in raw.list_buckets()["Buckets"]]
    S3Storage(bucket=name, endpoint_url=moto_endpoint)
    assert name in [b["Name"] for b in raw.list_buckets()["Buckets"]]
    S3Storage(bucket=name, endpoint_url=moto_endpoint)  # already there: no error


def test_a_bucket_outside_us_east_1_is_created_in_its_region(moto_endpoint: str) -> None:
    name = unique_bucket()
    S3Storage(bucket=name, endpoint_url=moto_endpoint, region="eu-west-1")
    location = raw_client(moto_endpoint, "eu-west-1").get_bucket_location(Bucket=name)
    assert location["LocationConstraint"] == "eu-west-1"


def test_without_permission_to_create_a_missing_bucket_is_a_clear_error(moto_endpoint: str) -> None:
    storage = S3Storage(bucket=unique_bucket(), endpoint_url=moto_endpoint, create_bucket=False)
    with pytest.raises(StorageError) as raised:
        storage.put(REFERENCE_IMAGES, "u1/c1/a.png", b"x", "image/png")
    assert not isinstance(raised.value, ObjectNotFound)
    assert "NoSuchBucket" in str(raised.value)


def test_an_unreachable_endpoint_fails_at_start_up(moto_endpoint: str) -> None:
    with pytest.raises(StorageError, match="Cannot reach"):
        S3Storage(bucket=unique_bucket(), endpoint_url="http://127.0.0.1:9")


def test_logical_buckets_are_prefixes_of_one_real_bucket(moto_endpoint: str) -> None:
    name = unique_bucket()
    storage = S3Storage(bucket=name, endpoint_url=moto_endpoint)
    storage.put(REFERENCE_IMAGES, "u1/c1/a.png", b"ref", "image/png")
    storage.put(USER_LIBRARY, "u1/portraits/c1/j.png", b"lib", "image/png")
    raw = raw_client(moto_endpoint)
    keys = sorted(o["Key"] for o in raw.list_objects_v2(Bucket=name)["Contents"])
    assert keys == ["reference_images/u1/c1/a.png", "user-library/u1/portraits/c1/j.png"]
    head = raw.head_object(Bucket=name, Key="reference_images/u1/c1/a.png")
    assert head["ContentType"] == "image/png"
    # Objects another tool put at the bucket's top level are not in any logical bucket.
    raw.put_object(Bucket=name, Key="stray.png", Body=b"x")
    assert [o.key for o in storage.list(REFERENCE_IMAGES, "")] == ["u1/c1/a.png"]


async def test_presigned_urls_are_sigv4_path_style_and_capped_at_a_week(moto_endpoint: str) -> None:
    name = unique_bucket()
    storage = S3Storage(bucket=name, endpoint_url=moto_endpoint)  # default expiry: one year
    storage.put(USER_LIBRARY, "u1/portraits/c1/j.png", b"portrait", "image/png")
    url = storage.signed_url(USER_LIBRARY, "u1/portraits/c1/j.png")
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert parts.path == f"/{name}/user-library/u1/portraits/c1/j.png"
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert int(query["X-Amz-Expires"][0]) == S3_MAX_EXPIRY_S
    short = parse_qs(urlsplit(storage.signed_url(USER_LIBRARY, "u1/portraits/c1/j.png", 600)).query)
    assert short["X-Amz-Expires"] == ["600"]
    response = await fetch(storage, url)
    assert (response.status_code, response.content) == (200, b"portrait")
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == f"private, max-age={S3_MAX_EXPIRY_S}"


def test_listing_pages_through_every_page(moto_endpoint: str) -> None:
    storage = S3Storage(bucket=unique_bucket(), endpoint_url=moto_endpoint)
    storage.list_page_size = 2
    for i in range(5):
        storage.put(USER_LIBRARY, f"u1/portraits/c1/{i}.png", b"", "image/png")
    assert [o.key for o in storage.list(USER_LIBRARY, "u1")] == [f"u1/portraits/c1/{i}.png" for i in range(5)]
