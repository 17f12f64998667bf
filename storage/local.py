"""Filesystem backend (the default): objects under ``{root}/{bucket}/{key}``, URLs signed with an HMAC.

Layout under ``root``:

* ``{bucket}/{key}`` - the bytes, exactly as stored, so the tree is easy to back up and inspect;
* ``.meta/{bucket}/{key}.json`` - the content type, kept apart so no key can collide with it (the
  ETag is the file's mtime and size, so it can never disagree with the bytes);
* ``.tmp/`` - writes land here first and are renamed into place (same filesystem, so the rename is
  atomic): a crash never leaves half an image where a reader could find it.

Signed URLs point at the app's own ``/storage/...`` route (``api/storage_routes.py``), which checks
the HMAC over bucket, key and expiry with :meth:`LocalStorage.verify` before serving anything.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import mimetypes
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from stat import S_ISREG
from urllib.parse import quote

from storage.base import (
    DEFAULT_EXPIRY_S,
    ObjectNotFound,
    StorageError,
    StoredObject,
    check_key,
    effective_expiry,
    normalise_prefix,
)

#: Local URLs can live as long as anyone wants; ten years keeps the number sane.
LOCAL_MAX_EXPIRY_S = 10 * DEFAULT_EXPIRY_S
_META_DIR = ".meta"
_TMP_DIR = ".tmp"
_SIGNING_CONTEXT = b"character-studio/storage-url/v1"


class LocalStorage:
    """Stores objects as files and signs URLs for the app's own storage route."""

    max_expiry_s = LOCAL_MAX_EXPIRY_S
    has_local_files = True

    def __init__(self, root: Path, secret: str, url_prefix: str = "/storage",
                 default_expiry_s: int = DEFAULT_EXPIRY_S, *,
                 clock: Callable[[], float] = time.time) -> None:
        if not secret:
            raise ValueError("LocalStorage needs a non-empty secret to sign URLs")
        self.root = Path(root)
        # A key derived for this one purpose, so a leaked URL signature says nothing about the
        # app secret that also signs sessions.
        self._key = hmac.new(secret.encode(), _SIGNING_CONTEXT, hashlib.sha256).digest()
        self.url_prefix = "/" + url_prefix.strip("/")
        self.default_expiry_s = default_expiry_s
        self._clock = clock

    # -- objects -------------------------------------------------------------------------------

    def put(self, bucket: str, key: str, data: bytes, content_type: str) -> StoredObject:
        path = self._path(bucket, key)
        meta_path = self._meta_path(bucket, key)
        # The content type is only written down when the key's extension would not say it: an
        # image's extra synced file would double the cost of every put.
        meta = None if content_type == _guess(key) else json.dumps({"content_type": content_type}).encode()
        # Both files are complete on disk before either is renamed into place; a failure before
        # the data rename leaves the old object untouched. A concurrent delete may prune the fresh
        # directories between mkdir and rename: retry then.
        for attempt in range(3):
            tmp_data = tmp_meta = None
            try:
                tmp_data = self._temp_file(data)
                tmp_meta = self._temp_file(meta) if meta is not None else None
                path.parent.mkdir(parents=True, exist_ok=True)
                if tmp_meta is not None:
                    meta_path.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp_data, path)
                tmp_data = None
                if tmp_meta is not None:
                    os.replace(tmp_meta, meta_path)
                    tmp_meta = None
                else:
                    meta_path.unlink(missing_ok=True)
                return StoredObject(bucket, key, len(data), content_type, _etag(path.stat()))
            except FileNotFoundError:
                if attempt == 2:
                    raise
            except OSError as exc:  # e.g. the key is a directory because "key/..." exists
                raise StorageError(f"Could not store {bucket}/{key}: {exc.strerror}") from exc
            finally:
                for leftover in (tmp_data, tmp_meta):
                    if leftover is not None:
                        Path(leftover).unlink(missing_ok=True)
        raise AssertionError("unreachable")

    def get(self, bucket: str, key: str) -> bytes:
        """The bytes alone: no stat, no metadata file (exports read every portrait through here)."""
        path = self._path(bucket, key)
        try:
            with open(path, "rb", buffering=0) as handle:
                return handle.readall()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise ObjectNotFound(f"{bucket}/{key}") from exc

    def read(self, bucket: str, key: str) -> tuple[bytes, StoredObject]:
        """Bytes and metadata of the same file (stat of the open handle), for the serving route."""
        path = self._path(bucket, key)
        try:
            with path.open("rb") as handle:
                info = os.fstat(handle.fileno())
                data = handle.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise ObjectNotFound(f"{bucket}/{key}") from exc
        return data, self._describe(bucket, key, info)

    def stat(self, bucket: str, key: str) -> StoredObject:
        path = self._path(bucket, key)
        try:
            info = path.stat()
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise ObjectNotFound(f"{bucket}/{key}") from exc
        if not S_ISREG(info.st_mode):
            raise ObjectNotFound(f"{bucket}/{key}")
        return self._describe(bucket, key, info)

    def content_type(self, bucket: str, key: str) -> str:
        return self.stat(bucket, key).content_type

    def delete(self, bucket: str, key: str) -> None:
        path = self._path(bucket, key)
        meta = self._meta_path(bucket, key)
        for target, stop in ((path, self.root / bucket), (meta, self.root / _META_DIR / bucket)):
            try:
                target.unlink()
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                continue
            _prune(target.parent, stop)

    def exists(self, bucket: str, key: str) -> bool:
        return self._path(bucket, key).is_file()

    def list(self, bucket: str, prefix: str) -> list[StoredObject]:
        prefix = normalise_prefix(bucket, prefix)
        base = self.root / bucket
        start = base / prefix if prefix else base
        if not start.is_dir():
            return []
        found: list[StoredObject] = []
        for dirpath, _dirs, files in os.walk(start):
            for name in files:
                path = Path(dirpath) / name
                key = path.relative_to(base).as_posix()
                found.append(self._describe(bucket, key, path.stat()))
        return sorted(found, key=lambda obj: obj.key)

    # -- signed URLs ---------------------------------------------------------------------------

    def signed_url(self, bucket: str, key: str, expires_in: int | None = None) -> str:
        check_key(bucket, key)
        expires = int(self._clock()) + effective_expiry(self, expires_in)
        sig = sign(self._key, bucket, key, expires)
        return f"{self.url_prefix}/{bucket}/{quote(key, safe='/')}?expires={expires}&sig={sig}"

    def sign_many(self, bucket: str, keys: Iterable[str], expires_in: int | None = None) -> dict[str, str]:
        return {key: self.signed_url(bucket, key, expires_in) for key in keys}

    def verify(self, bucket: str, key: str, expires: int, sig: str) -> bool:
        """True only for an unexpired signature over exactly this bucket, key and expiry."""
        return verify_signature(self._key, bucket, key, expires, sig, now=self._clock())

    # -- internals -----------------------------------------------------------------------------

    def _path(self, bucket: str, key: str) -> Path:
        check_key(bucket, key)
        return self.root / bucket / key

    def _meta_path(self, bucket: str, key: str) -> Path:
        return self.root / _META_DIR / bucket / f"{key}.json"

    def _describe(self, bucket: str, key: str, info: os.stat_result) -> StoredObject:
        try:
            content_type = str(json.loads(self._meta_path(bucket, key).read_text())["content_type"])
        except (OSError, ValueError, KeyError, TypeError):
            content_type = _guess(key)
        return StoredObject(bucket, key, info.st_size, content_type, _etag(info))

    def _temp_file(self, data: bytes) -> str:
        """Write ``data`` to a synced file under ``.tmp`` (same filesystem, so renames are atomic)."""
        tmp_dir = self.root / _TMP_DIR
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix="put-", dir=tmp_dir)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return tmp


def _guess(key: str) -> str:
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


def _etag(info: os.stat_result) -> str:
    """Modification time and size, as nginx does: every put renames a new file in, so it changes."""
    return f"{info.st_mtime_ns:x}-{info.st_size:x}"


def sign(key: bytes, bucket: str, object_key: str, expires: int) -> str:
    """Hex HMAC-SHA256 over bucket, key and expiry (newline-separated: keys hold no control chars)."""
    message = f"{bucket}\n{object_key}\n{int(expires)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def verify_signature(key: bytes, bucket: str, object_key: str, expires: int, sig: str,
                     *, now: float | None = None) -> bool:
    """True only for an unexpired URL whose HMAC covers exactly this bucket, key and expiry."""
    if expires <= (time.time() if now is None else now):
        return False
    try:
        check_key(bucket, object_key)
    except StorageError:
        return False
    return hmac.compare_digest(sign(key, bucket, object_key, expires), sig)


def _prune(directory: Path, stop: Path) -> None:
    """Remove directories a delete left empty, up to (not including) ``stop``, the bucket's own."""
    while directory != stop and stop in directory.parents:
        try:
            directory.rmdir()
        except OSError:  # not empty (or already gone): nothing more to prune
            return
        directory = directory.parent
