"""Signed URLs cached per (bucket, key) and dropped one hour before they expire (the seed's UrlCache).

A gallery of 48 portraits re-rendered on every visit would otherwise re-sign 48 URLs, and on S3 a
new URL is also a new browser-cache entry. Entries are dropped an hour before expiry, so a URL handed
out always has at least that long to live. The cache is bounded (least recently used entries go
first) and thread-safe, since storage calls run in worker threads.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from storage.base import Storage, effective_expiry

#: How long before expiry an entry stops being handed out (the seed's one hour).
REFRESH_MARGIN_S = 3600


class UrlCache:
    """Signs through ``storage`` and remembers the answers until they are about to expire."""

    def __init__(self, storage: Storage, *, margin_s: int = REFRESH_MARGIN_S, max_entries: int = 50_000,
                 clock: Callable[[], float] = time.time) -> None:
        self.storage = storage
        self.margin_s = margin_s
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str], tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, bucket: str, key: str) -> str | None:
        """The cached URL, or None when missing or within the margin of its expiry."""
        with self._lock:
            return self._fresh(bucket, key, self._clock())

    def set(self, bucket: str, key: str, url: str, expires_in: int) -> None:
        """Remember a URL that expires ``expires_in`` seconds from now (one too short is not kept)."""
        if expires_in <= self.margin_s:
            return
        with self._lock:
            self._entries[(bucket, key)] = (url, self._clock() + expires_in)
            self._entries.move_to_end((bucket, key))
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def signed_url(self, bucket: str, key: str, expires_in: int | None = None) -> str:
        """A cached URL when one is fresh, else a newly signed (and cached) one."""
        cached = self.get(bucket, key)
        if cached is not None:
            return cached
        lifetime = effective_expiry(self.storage, expires_in)
        url = self.storage.signed_url(bucket, key, lifetime)
        self.set(bucket, key, url, lifetime)
        return url

    def sign_many(self, bucket: str, keys: Iterable[str], expires_in: int | None = None) -> dict[str, str]:
        """URLs for a whole gallery: cached ones as they are, the rest signed in one batch."""
        wanted = list(dict.fromkeys(keys))
        now = self._clock()
        with self._lock:
            found = {key: url for key in wanted if (url := self._fresh(bucket, key, now)) is not None}
        missing = [key for key in wanted if key not in found]
        if missing:
            lifetime = effective_expiry(self.storage, expires_in)
            signed = self.storage.sign_many(bucket, missing, lifetime)
            for key, url in signed.items():
                self.set(bucket, key, url, lifetime)
            found.update(signed)
        return {key: found[key] for key in wanted}

    def invalidate(self, bucket: str, key: str) -> None:
        """Forget one URL (the object was deleted or replaced)."""
        with self._lock:
            self._entries.pop((bucket, key), None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _fresh(self, bucket: str, key: str, now: float) -> str | None:
        entry = self._entries.get((bucket, key))
        if entry is None:
            return None
        url, expires_at = entry
        if now > expires_at - self.margin_s:
            del self._entries[(bucket, key)]
            return None
        self._entries.move_to_end((bucket, key))
        return url
