"""The storage interface every backend implements, the two buckets, and the one object-key builder.

Storage knows nothing of characters or users: it stores bytes under ``(bucket, key)`` and signs URLs
for them. Keys are built only by :func:`object_key`, which refuses anything that could escape a bucket.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

REFERENCE_IMAGES = "reference_images"
USER_LIBRARY = "user-library"
BUCKETS = (REFERENCE_IMAGES, USER_LIBRARY)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class StorageError(Exception):
    """A backend failed to store, read or sign an object."""


class InvalidKey(StorageError, ValueError):
    """A key or a part of one could escape its bucket or is not printable."""


class ObjectNotFound(StorageError, KeyError):
    """No object is stored under that bucket and key."""


@dataclass(frozen=True)
class StoredObject:
    bucket: str
    key: str
    size: int
    content_type: str


def object_key(*parts: str) -> str:
    """Join parts into a bucket key, refusing ``..``, absolute paths, backslashes and control chars."""
    if not parts:
        raise InvalidKey("An object key needs at least one part")
    cleaned: list[str] = []
    for part in parts:
        if not isinstance(part, str) or not part:
            raise InvalidKey("Object key parts must be non-empty strings")
        if "\\" in part or _CONTROL.search(part):
            raise InvalidKey(f"Object key part {part!r} contains a backslash or a control character")
        if part.startswith("/"):
            raise InvalidKey(f"Object key part {part!r} is an absolute path")
        for segment in part.split("/"):
            if segment in ("", ".", ".."):
                raise InvalidKey(f"Object key part {part!r} has an empty, '.' or '..' segment")
        cleaned.append(part)
    return "/".join(cleaned)


def check_key(bucket: str, key: str) -> None:
    """Validate a bucket name and a full key (as read back from the database or a URL)."""
    if bucket not in BUCKETS:
        raise InvalidKey(f"Unknown bucket {bucket!r}")
    object_key(key)


@runtime_checkable
class Storage(Protocol):
    """Bytes under (bucket, key), plus signed URLs a browser can fetch without a session.

    Methods are synchronous (boto3 and the filesystem are): async callers run them in a thread.
    """

    def put(self, bucket: str, key: str, data: bytes, content_type: str) -> StoredObject: ...

    def get(self, bucket: str, key: str) -> bytes: ...

    def delete(self, bucket: str, key: str) -> None:
        """Remove an object; deleting a missing object is not an error."""

    def exists(self, bucket: str, key: str) -> bool: ...

    def list(self, bucket: str, prefix: str) -> list[StoredObject]: ...

    def signed_url(self, bucket: str, key: str, expires_in: int | None = None) -> str: ...

    def sign_many(
        self, bucket: str, keys: Iterable[str], expires_in: int | None = None
    ) -> dict[str, str]: ...
