"""Filesystem backend: objects under ``{root}/{bucket}/{key}``, URLs signed with an HMAC.

Writes go to a temporary file in the same directory and are renamed into place, so a crash never
leaves half an image behind. Signed URLs point at the app's own ``/storage/...`` route, which checks
the signature (see :func:`verify_signature`) before serving the bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import mimetypes
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from storage.base import ObjectNotFound, StoredObject, check_key

DEFAULT_EXPIRY_S = 31_536_000
_META_SUFFIX = ".meta.json"


class LocalStorage:
    """Stores objects as files; the content type sits beside each file in a small JSON."""

    def __init__(self, root: Path, secret: str, url_prefix: str = "/storage",
                 default_expiry_s: int = DEFAULT_EXPIRY_S) -> None:
        self.root = Path(root)
        self._secret = secret.encode()
        self.url_prefix = url_prefix.rstrip("/")
        self.default_expiry_s = default_expiry_s

    def put(self, bucket: str, key: str, data: bytes, content_type: str) -> StoredObject:
        path = self._path(bucket, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(path.with_name(path.name + _META_SUFFIX),
                      json.dumps({"content_type": content_type}).encode())
        _atomic_write(path, data)
        return StoredObject(bucket, key, len(data), content_type)

    def get(self, bucket: str, key: str) -> bytes:
        path = self._path(bucket, key)
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise ObjectNotFound(f"{bucket}/{key}") from exc

    def content_type(self, bucket: str, key: str) -> str:
        meta = self._path(bucket, key)
        meta = meta.with_name(meta.name + _META_SUFFIX)
        try:
            return str(json.loads(meta.read_text())["content_type"])
        except (FileNotFoundError, ValueError, KeyError):
            return mimetypes.guess_type(key)[0] or "application/octet-stream"

    def delete(self, bucket: str, key: str) -> None:
        path = self._path(bucket, key)
        for target in (path, path.with_name(path.name + _META_SUFFIX)):
            target.unlink(missing_ok=True)

    def exists(self, bucket: str, key: str) -> bool:
        return self._path(bucket, key).is_file()

    def list(self, bucket: str, prefix: str) -> list[StoredObject]:
        base = self.root / bucket
        start = base / prefix if prefix else base
        if not start.exists():
            return []
        found: list[StoredObject] = []
        for path in sorted(p for p in start.rglob("*") if p.is_file()):
            if path.name.endswith(_META_SUFFIX) or path.name.startswith(".tmp-"):
                continue
            key = path.relative_to(base).as_posix()
            found.append(StoredObject(bucket, key, path.stat().st_size, self.content_type(bucket, key)))
        return found

    def signed_url(self, bucket: str, key: str, expires_in: int | None = None) -> str:
        check_key(bucket, key)
        expires = int(time.time()) + (expires_in or self.default_expiry_s)
        sig = sign(self._secret, bucket, key, expires)
        return f"{self.url_prefix}/{bucket}/{quote(key)}?expires={expires}&sig={sig}"

    def sign_many(self, bucket: str, keys: Iterable[str], expires_in: int | None = None) -> dict[str, str]:
        return {key: self.signed_url(bucket, key, expires_in) for key in keys}

    def verify(self, bucket: str, key: str, expires: int, sig: str) -> bool:
        return verify_signature(self._secret, bucket, key, expires, sig)

    def _path(self, bucket: str, key: str) -> Path:
        check_key(bucket, key)
        return self.root / bucket / key


def sign(secret: bytes, bucket: str, key: str, expires: int) -> str:
    message = f"{bucket}\n{key}\n{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def verify_signature(secret: bytes, bucket: str, key: str, expires: int, sig: str) -> bool:
    """True only for an unexpired URL whose HMAC covers exactly this bucket, key and expiry."""
    if expires < time.time():
        return False
    return hmac.compare_digest(sign(secret, bucket, key, expires), sig)


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
