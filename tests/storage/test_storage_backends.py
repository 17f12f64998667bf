"""One behavioural suite for every storage backend: local files and S3 (moto's server on loopback)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from storage.base import (
    REFERENCE_IMAGES,
    USER_LIBRARY,
    InvalidKey,
    ObjectNotFound,
    Storage,
    StoredObject,
    delete_with_thumbnails,
    is_thumbnail_key,
    put_with_thumbnails,
    reference_key,
    thumbnail_key,
)
from tests.support.storage import fetch

pytest_plugins = ["tests.support.storage_fixtures"]  # the moto server and the parametrized ``backend`` fixture


def test_put_then_get_returns_the_bytes_and_stat_the_metadata(backend: Storage) -> None:
    key = reference_key("u1", "c1", "ref.png")
    stored = backend.put(REFERENCE_IMAGES, key, b"\x89PNG-bytes", "image/png")
    assert stored == StoredObject(REFERENCE_IMAGES, key, 10, "image/png", stored.etag)
    assert backend.get(REFERENCE_IMAGES, key) == b"\x89PNG-bytes"
    meta = backend.stat(REFERENCE_IMAGES, key)
    assert (meta.size, meta.content_type) == (10, "image/png")
    assert meta.etag and meta.etag == stored.etag
    assert backend.exists(REFERENCE_IMAGES, key)


def test_put_replaces_bytes_content_type_and_etag(backend: Storage) -> None:
    first = backend.put(USER_LIBRARY, "u1/portraits/c1/j1.png", b"one", "image/png")
    second = backend.put(USER_LIBRARY, "u1/portraits/c1/j1.png", b"two!", "image/webp")
    assert backend.get(USER_LIBRARY, "u1/portraits/c1/j1.png") == b"two!"
    assert backend.stat(USER_LIBRARY, "u1/portraits/c1/j1.png").content_type == "image/webp"
    assert first.etag != second.etag


def test_missing_objects_raise_not_found_and_delete_is_idempotent(backend: Storage) -> None:
    with pytest.raises(ObjectNotFound):
        backend.get(REFERENCE_IMAGES, "u1/c1/none.png")
    with pytest.raises(ObjectNotFound):
        backend.stat(REFERENCE_IMAGES, "u1/c1/none.png")
    assert not backend.exists(REFERENCE_IMAGES, "u1/c1/none.png")
    backend.delete(REFERENCE_IMAGES, "u1/c1/none.png")  # no error


def test_delete_removes_the_object(backend: Storage) -> None:
    backend.put(REFERENCE_IMAGES, "u1/c1/a.png", b"a", "image/png")
    backend.put(REFERENCE_IMAGES, "u1/c1/b.png", b"b", "image/png")
    backend.delete(REFERENCE_IMAGES, "u1/c1/a.png")
    assert not backend.exists(REFERENCE_IMAGES, "u1/c1/a.png")
    assert [o.key for o in backend.list(REFERENCE_IMAGES, "u1")] == ["u1/c1/b.png"]


def test_buckets_are_separate(backend: Storage) -> None:
    backend.put(REFERENCE_IMAGES, "u1/c1/same.png", b"reference", "image/png")
    backend.put(USER_LIBRARY, "u1/c1/same.png", b"library", "image/png")
    assert backend.get(REFERENCE_IMAGES, "u1/c1/same.png") == b"reference"
    backend.delete(USER_LIBRARY, "u1/c1/same.png")
    assert backend.exists(REFERENCE_IMAGES, "u1/c1/same.png")
    assert backend.list(USER_LIBRARY, "") == []


def test_list_matches_whole_segments_sorted(backend: Storage) -> None:
    for key in ("u1/c2/b.png", "u1/c1/a.png", "u10/c1/x.png", "u2/c1/y.png"):
        backend.put(REFERENCE_IMAGES, key, key.encode(), "image/png")
    assert [o.key for o in backend.list(REFERENCE_IMAGES, "u1")] == ["u1/c1/a.png", "u1/c2/b.png"]
    assert [o.key for o in backend.list(REFERENCE_IMAGES, "u1/")] == ["u1/c1/a.png", "u1/c2/b.png"]
    assert [o.key for o in backend.list(REFERENCE_IMAGES, "u1/c2")] == ["u1/c2/b.png"]
    assert len(backend.list(REFERENCE_IMAGES, "")) == 4
    assert backend.list(REFERENCE_IMAGES, "nobody") == []
    listed = backend.list(REFERENCE_IMAGES, "u2")[0]
    assert (listed.bucket, listed.size, listed.content_type) == (REFERENCE_IMAGES, 11, "image/png")


def test_unicode_and_spaces_in_keys_round_trip(backend: Storage) -> None:
    key = reference_key("u1", "c1", "my photo é+1%.png")
    backend.put(REFERENCE_IMAGES, key, b"unicode", "image/png")
    assert backend.get(REFERENCE_IMAGES, key) == b"unicode"
    assert [o.key for o in backend.list(REFERENCE_IMAGES, "u1/c1")] == [key]


BAD_KEYS = ["../escape.png", "u1/../../escape.png", "/etc/passwd", "u1\\c1\\a.png", "u1/c1/a\x00.png",
            "u1//a.png", "u1/./a.png", "", "u1/c1/\n.png"]
OPERATIONS: dict[str, Callable[[Storage, str, str], Any]] = {
    "put": lambda s, b, k: s.put(b, k, b"x", "image/png"),
    "get": lambda s, b, k: s.get(b, k),
    "stat": lambda s, b, k: s.stat(b, k),
    "delete": lambda s, b, k: s.delete(b, k),
    "exists": lambda s, b, k: s.exists(b, k),
    "signed_url": lambda s, b, k: s.signed_url(b, k),
    "sign_many": lambda s, b, k: s.sign_many(b, [k]),
}


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_every_operation_refuses_unsafe_keys_and_unknown_buckets(backend: Storage, operation: str) -> None:
    for key in BAD_KEYS:
        with pytest.raises(InvalidKey):
            OPERATIONS[operation](backend, REFERENCE_IMAGES, key)
    with pytest.raises(InvalidKey):
        OPERATIONS[operation](backend, "other-bucket", "u1/c1/a.png")
    with pytest.raises(InvalidKey):
        backend.list(REFERENCE_IMAGES, "../u1")
    assert backend.list(REFERENCE_IMAGES, "") == []  # nothing was written anywhere


async def test_signed_url_serves_the_bytes_with_the_content_type(backend: Storage) -> None:
    key = reference_key("u1", "c1", "photo 1.webp")
    backend.put(REFERENCE_IMAGES, key, b"RIFF-webp-bytes", "image/webp")
    response = await fetch(backend, backend.signed_url(REFERENCE_IMAGES, key))
    assert response.status_code == 200
    assert response.content == b"RIFF-webp-bytes"
    assert response.headers["content-type"] == "image/webp"


async def test_sign_many_signs_every_key_for_its_own_object(backend: Storage) -> None:
    keys = [f"u1/portraits/c1/j{i}.png" for i in range(3)]
    for i, key in enumerate(keys):
        backend.put(USER_LIBRARY, key, f"image {i}".encode(), "image/png")
    signed = backend.sign_many(USER_LIBRARY, keys)
    assert list(signed) == keys
    bodies = [(await fetch(backend, signed[key])).content for key in keys]
    assert bodies == [b"image 0", b"image 1", b"image 2"]


def test_signed_urls_expire_no_later_than_the_backend_allows(backend: Storage) -> None:
    url = backend.signed_url(REFERENCE_IMAGES, "u1/c1/a.png", expires_in=10 * 365 * 86400 * 5)
    query = parse_qs(urlsplit(url).query)
    if "X-Amz-Expires" in query:
        assert int(query["X-Amz-Expires"][0]) == backend.max_expiry_s == 7 * 86400
    else:
        assert int(query["expires"][0]) <= time.time() + backend.max_expiry_s + 1
    with pytest.raises(ValueError):
        backend.signed_url(REFERENCE_IMAGES, "u1/c1/a.png", expires_in=0)


def test_thumbnails_are_stored_beside_the_image_and_removed_with_it(backend: Storage) -> None:
    key = "u1/portraits/c1/job-1.png"
    put_with_thumbnails(backend, USER_LIBRARY, key, b"png", "image/png", {256: b"small", 512: b"large"})
    assert backend.get(USER_LIBRARY, thumbnail_key(key, 256)) == b"small"
    assert backend.stat(USER_LIBRARY, thumbnail_key(key, 512)).content_type == "image/webp"
    listed = [o.key for o in backend.list(USER_LIBRARY, "u1/portraits/c1")]
    assert [k for k in listed if not is_thumbnail_key(k)] == [key]
    delete_with_thumbnails(backend, USER_LIBRARY, key)
    assert backend.list(USER_LIBRARY, "") == []


def test_a_failed_image_put_leaves_no_thumbnails_behind(backend: Storage) -> None:
    class FailsOnImage:
        """Delegates to the real backend but fails storing the image itself (after its thumbnails)."""

        def __getattr__(self, name: str) -> Any:
            return getattr(backend, name)

        def put(self, bucket: str, key: str, data: bytes, content_type: str) -> StoredObject:
            if not is_thumbnail_key(key):
                raise OSError("disk full")
            return backend.put(bucket, key, data, content_type)

    with pytest.raises(OSError, match="disk full"):
        put_with_thumbnails(FailsOnImage(), USER_LIBRARY, "u1/portraits/c1/j.png", b"png",  # type: ignore[arg-type]
                            "image/png", {256: b"t1", 512: b"t2"})
    assert backend.list(USER_LIBRARY, "") == []


def test_etag_changes_with_the_bytes_and_only_then(backend: Storage) -> None:
    first = backend.put(REFERENCE_IMAGES, "u1/c1/a.png", b"first", "image/png")
    assert backend.stat(REFERENCE_IMAGES, "u1/c1/a.png").etag == first.etag
    assert backend.list(REFERENCE_IMAGES, "u1")[0].etag == first.etag
    second = backend.put(REFERENCE_IMAGES, "u1/c1/a.png", b"second", "image/png")
    assert second.etag != first.etag
    assert backend.stat(REFERENCE_IMAGES, "u1/c1/a.png").etag == second.etag
