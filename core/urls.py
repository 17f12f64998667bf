"""Fresh signed URLs at read time: rows keep the URL they were given, pages get one that still works.

Presigned S3 URLs live at most 7 days, so a URL stored in a row (``image_url``, ``thumbnail_url``,
``reference_image_url``, a scene's ``image_url``) is re-signed whenever it is read: the bucket and key
are recovered from the URL's path (``/{bucket}/{key}``, as both backends build them) and signed again
through the context's :class:`storage.url_cache.UrlCache` (``ctx.urls``), which hands back the same
URL until it is an hour from expiry. A URL that is not ours (a provider's fallback URL) comes back unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

from storage.base import BUCKETS, InvalidKey, check_key
from storage.url_cache import UrlCache


def locate(url: str | None) -> tuple[str, str] | None:
    """(bucket, key) of one of our stored objects named by ``url``, or None."""
    if not url:
        return None
    path = unquote(urlsplit(url).path)
    for bucket in BUCKETS:
        marker = f"/{bucket}/"
        index = path.find(marker)
        if index >= 0:
            key = path[index + len(marker):]
            try:
                check_key(bucket, key)
            except InvalidKey:
                return None
            return bucket, key
    return None


def owned_location(url: str | None, owner_id: str) -> tuple[str, str] | None:
    """(bucket, key) when ``url`` names a stored object under ``owner_id``'s prefix, else None.

    Every key the studio writes starts with its owner's id (``storage.base.reference_key`` and
    ``portrait_key``), so the prefix is the ownership of a stored file.
    """
    found = locate(url)
    return found if found is not None and found[1].startswith(f"{owner_id}/") else None


def refresh(urls: UrlCache, rows: Iterable[Any], *fields: str, owner: Callable[[Any], str]) -> None:
    """Re-sign the named URL fields of detached rows in place (one batch per bucket).

    Only keys under the row owner's prefix (``owner(row)``) are signed. A field that names a stored
    object of someone else is cleared: it can only have got there by a write that bypassed the
    checks, and signing it would hand that person's private file to whoever reads the row.
    """
    rows = list(rows)
    wanted: dict[str, set[str]] = {}
    for row in rows:
        for field in fields:
            url = getattr(row, field, None)
            found = owned_location(url, owner(row))
            if found:
                wanted.setdefault(found[0], set()).add(found[1])
            elif locate(url) is not None:
                setattr(row, field, None)
    if not wanted:
        return
    signed = {(bucket, key): url for bucket, keys in wanted.items()
              for key, url in urls.sign_many(bucket, sorted(keys)).items()}
    for row in rows:
        for field in fields:
            found = owned_location(getattr(row, field, None), owner(row))
            if found and found in signed:
                setattr(row, field, signed[found])
