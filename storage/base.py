"""The storage interface every backend implements, the two buckets, and the object-key builders.

Storage knows nothing of characters or users: it stores bytes under ``(bucket, key)`` and signs URLs
for them. Keys are built only by :func:`object_key` (or the helpers on top of it), which refuses
anything that could escape a bucket on a filesystem or confuse a URL: ``..``, absolute paths,
backslashes, control characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

REFERENCE_IMAGES = "reference_images"
USER_LIBRARY = "user-library"
BUCKETS = (REFERENCE_IMAGES, USER_LIBRARY)

#: Every stored portrait and reference gets WebP thumbnails of these longest edges, beside it.
THUMBNAIL_SIZES = (256, 512)

#: One year, as in the seed; backends may cap it (S3 presigned URLs live at most seven days).
DEFAULT_EXPIRY_S = 31_536_000

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_THUMB = re.compile(r"\.thumb-(\d+)\.webp$")
_MAX_KEY_BYTES = 1000  # S3 allows 1024; keep a margin for the logical-bucket prefix
_MAX_SEGMENT_BYTES = 255  # the usual filesystem name limit


class StorageError(Exception):
    """A backend failed to store, read or sign an object."""


class InvalidKey(StorageError, ValueError):
    """A key or a part of one could escape its bucket or is not printable."""


class ObjectNotFound(StorageError, KeyError):
    """No object is stored under that bucket and key."""


@dataclass(frozen=True)
class StoredObject:
    """What a backend knows about one object (returned by put, stat and list)."""

    bucket: str
    key: str
    size: int
    content_type: str
    etag: str = ""


def object_key(*parts: str) -> str:
    """Join parts into a bucket key, refusing ``..``, absolute paths, backslashes and control chars.

    Each part may itself contain ``/`` (e.g. a key read back from the database); every segment is
    checked, so no combination of parts can climb out of the bucket.
    """
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
            if len(segment.encode()) > _MAX_SEGMENT_BYTES:
                raise InvalidKey(f"Object key segment {segment[:20]!r}... is too long")
        cleaned.append(part)
    key = "/".join(cleaned)
    if len(key.encode()) > _MAX_KEY_BYTES:
        raise InvalidKey("Object key is too long")
    return key


def check_bucket(bucket: str) -> None:
    """Refuse any bucket but the two the app knows."""
    if bucket not in BUCKETS:
        raise InvalidKey(f"Unknown bucket {bucket!r}")


def check_key(bucket: str, key: str) -> None:
    """Validate a bucket name and a full key (as read back from the database or a URL)."""
    check_bucket(bucket)
    object_key(key)


def normalise_prefix(bucket: str, prefix: str) -> str:
    """A listing prefix as ``"a/b/"`` (or ``""`` for the whole bucket), checked like a key.

    Listings match whole path segments: prefix ``"u1"`` lists ``u1/...`` and never ``u10/...``.
    """
    check_bucket(bucket)
    stripped = prefix.strip("/") if prefix else ""
    if not stripped:
        return ""
    if prefix.startswith("/"):
        raise InvalidKey(f"Listing prefix {prefix!r} is an absolute path")
    return object_key(stripped) + "/"


def reference_key(user_id: object, character_id: object, filename: str) -> str:
    """``{user_id}/{character_id}/{filename}`` in the ``reference_images`` bucket (seed layout)."""
    return object_key(str(user_id), str(character_id), filename)


def portrait_key(user_id: object, character_id: object, job_id: object) -> str:
    """``{user_id}/portraits/{character_id}/{job_id}.png`` in ``user-library`` (seed layout)."""
    return object_key(str(user_id), "portraits", str(character_id), f"{job_id}.png")


def thumbnail_key(key: str, size: int) -> str:
    """The key of an image's WebP thumbnail, beside it: ``a/c.png`` -> ``a/c.png.thumb-256.webp``.

    The full name is kept (not just the stem) so ``c.png`` and ``c.jpg`` never share thumbnails.
    """
    object_key(key)
    if is_thumbnail_key(key):
        raise InvalidKey(f"{key!r} is already a thumbnail")
    return object_key(f"{key}.thumb-{int(size)}.webp")


def is_thumbnail_key(key: str) -> bool:
    """True for keys made by :func:`thumbnail_key`, so listings for the image picker can skip them."""
    return _THUMB.search(key) is not None


@runtime_checkable
class Storage(Protocol):
    """Bytes under (bucket, key), plus signed URLs a browser can fetch without a session.

    Methods are synchronous (boto3 and the filesystem are): async callers run them in a thread.
    Every method refuses an unknown bucket or an unsafe key with :class:`InvalidKey`.
    """

    #: Expiry used when a caller passes none.
    default_expiry_s: int
    #: The longest expiry the backend can sign; longer requests are capped to it.
    max_expiry_s: int
    #: True when objects are files on this machine: reading them one after another (from the page
    #: cache) beats overlapping them on threads, which pays off only for reads that wait on a network.
    has_local_files: bool

    def put(self, bucket: str, key: str, data: bytes, content_type: str) -> StoredObject:
        """Store (or replace) an object; readers never see a half-written one."""

    def get(self, bucket: str, key: str) -> bytes:
        """The object's bytes; :class:`ObjectNotFound` when missing."""

    def stat(self, bucket: str, key: str) -> StoredObject:
        """Size, content type and ETag without reading the bytes; :class:`ObjectNotFound` when missing."""

    def delete(self, bucket: str, key: str) -> None:
        """Remove an object; deleting a missing object is not an error."""

    def exists(self, bucket: str, key: str) -> bool: ...

    def list(self, bucket: str, prefix: str) -> list[StoredObject]:
        """Objects under a prefix (whole segments, see :func:`normalise_prefix`), sorted by key.

        S3 listings carry no content type: there it is guessed from the key's extension.
        """

    def signed_url(self, bucket: str, key: str, expires_in: int | None = None) -> str:
        """A URL that serves the object without a session until it expires (capped at max_expiry_s)."""

    def sign_many(
        self, bucket: str, keys: Iterable[str], expires_in: int | None = None
    ) -> dict[str, str]:
        """Signed URLs for many keys at once (galleries), keyed by key."""


def effective_expiry(storage: Storage, expires_in: int | None) -> int:
    """The lifetime a signed URL really gets from ``storage`` for a requested ``expires_in``."""
    requested = storage.default_expiry_s if expires_in is None else int(expires_in)
    if requested <= 0:
        raise ValueError("A signed URL needs a positive expiry")
    return min(requested, storage.max_expiry_s)


def put_with_thumbnails(storage: Storage, bucket: str, key: str, data: bytes, content_type: str,
                        thumbnails: dict[int, bytes]) -> StoredObject:
    """Store an image and its WebP thumbnails beside it; on failure, remove whatever was written.

    Thumbnails go first, so whoever sees the image also finds its thumbnails.
    """
    written: list[str] = []
    try:
        for size, thumb in sorted(thumbnails.items()):
            thumb_key = thumbnail_key(key, size)
            storage.put(bucket, thumb_key, thumb, "image/webp")
            written.append(thumb_key)
        return storage.put(bucket, key, data, content_type)
    except BaseException:
        for done in written:
            storage.delete(bucket, done)
        raise


def delete_with_thumbnails(storage: Storage, bucket: str, key: str,
                           sizes: Iterable[int] = THUMBNAIL_SIZES) -> None:
    """Remove an image and its thumbnails (missing ones are fine)."""
    storage.delete(bucket, key)
    for size in sizes:
        storage.delete(bucket, thumbnail_key(key, size))
