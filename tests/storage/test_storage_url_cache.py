"""UrlCache: one signature per object until an hour before it expires, batches sign only what is missing."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from storage.base import REFERENCE_IMAGES, USER_LIBRARY
from storage.local import LocalStorage
from storage.url_cache import UrlCache
from tests.support.storage import SECRET


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class CountingStorage(LocalStorage):
    """A real LocalStorage that counts what it is asked to sign."""

    def __init__(self, root: Path, clock: Clock, max_expiry_s: int | None = None) -> None:
        super().__init__(root, SECRET, clock=clock)
        self.signed: list[str] = []
        self.batches: list[list[str]] = []
        if max_expiry_s is not None:
            self.max_expiry_s = max_expiry_s

    def signed_url(self, bucket: str, key: str, expires_in: int | None = None) -> str:
        self.signed.append(key)
        return super().signed_url(bucket, key, expires_in)

    def sign_many(self, bucket: str, keys: Iterable[str], expires_in: int | None = None) -> dict[str, str]:
        self.batches.append(list(keys))
        return super().sign_many(bucket, self.batches[-1], expires_in)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def storage(tmp_path: Path, clock: Clock) -> CountingStorage:
    return CountingStorage(tmp_path, clock)


def test_a_url_is_signed_once_and_reused(storage: CountingStorage, clock: Clock) -> None:
    cache = UrlCache(storage, clock=clock)
    first = cache.signed_url(REFERENCE_IMAGES, "u1/c1/a.png")
    clock.now += 30 * 86400
    assert cache.signed_url(REFERENCE_IMAGES, "u1/c1/a.png") == first
    assert storage.signed == ["u1/c1/a.png"]
    assert cache.signed_url(USER_LIBRARY, "u1/c1/a.png") != first  # per bucket, not per key


def test_a_url_is_dropped_one_hour_before_it_expires(storage: CountingStorage, clock: Clock) -> None:
    cache = UrlCache(storage, clock=clock)
    first = cache.signed_url(REFERENCE_IMAGES, "u1/c1/a.png", expires_in=4 * 3600)
    clock.now += 3 * 3600 - 1
    assert cache.get(REFERENCE_IMAGES, "u1/c1/a.png") == first
    clock.now += 2
    assert cache.get(REFERENCE_IMAGES, "u1/c1/a.png") is None
    second = cache.signed_url(REFERENCE_IMAGES, "u1/c1/a.png", expires_in=4 * 3600)
    assert second != first and storage.signed == ["u1/c1/a.png", "u1/c1/a.png"]
    assert storage.verify(REFERENCE_IMAGES, "u1/c1/a.png", int(clock.now) + 4 * 3600, second.split("sig=")[1])


def test_the_backend_cap_decides_when_to_resign(tmp_path: Path, clock: Clock) -> None:
    capped = CountingStorage(tmp_path, clock, max_expiry_s=7 * 86400)  # like S3's presigned week
    cache = UrlCache(capped, clock=clock)
    cache.signed_url(REFERENCE_IMAGES, "u1/c1/a.png")  # asks for a year, gets a week
    clock.now += 7 * 86400 - 3600 + 1
    cache.signed_url(REFERENCE_IMAGES, "u1/c1/a.png")
    assert capped.signed == ["u1/c1/a.png", "u1/c1/a.png"]


def test_short_lived_urls_are_not_cached(storage: CountingStorage, clock: Clock) -> None:
    cache = UrlCache(storage, clock=clock)
    cache.signed_url(REFERENCE_IMAGES, "u1/c1/a.png", expires_in=600)
    cache.signed_url(REFERENCE_IMAGES, "u1/c1/a.png", expires_in=600)
    assert storage.signed == ["u1/c1/a.png", "u1/c1/a.png"] and len(cache) == 0


def test_a_gallery_batch_signs_only_the_missing_keys_in_one_call(storage: CountingStorage, clock: Clock) -> None:
    cache = UrlCache(storage, clock=clock)
    known = cache.signed_url(USER_LIBRARY, "u1/portraits/c1/1.png")
    keys = [f"u1/portraits/c1/{i}.png" for i in range(1, 5)]
    urls = cache.sign_many(USER_LIBRARY, [*keys, keys[2]])
    assert list(urls) == keys and urls[keys[0]] == known
    assert storage.batches == [keys[1:]]
    assert cache.sign_many(USER_LIBRARY, keys) == urls
    assert storage.batches == [keys[1:]]


def test_invalidate_clear_and_the_size_bound(storage: CountingStorage, clock: Clock) -> None:
    cache = UrlCache(storage, clock=clock, max_entries=2)
    for name in ("a", "b", "c"):
        cache.signed_url(REFERENCE_IMAGES, f"u1/c1/{name}.png")
    assert len(cache) == 2 and cache.get(REFERENCE_IMAGES, "u1/c1/a.png") is None
    cache.invalidate(REFERENCE_IMAGES, "u1/c1/b.png")
    assert cache.get(REFERENCE_IMAGES, "u1/c1/b.png") is None
    cache.clear()
    assert len(cache) == 0
