"""The route that serves LocalStorage objects to browsers by signed URL, no session needed.

``GET /storage/{bucket}/{key}?expires=&sig=``: the HMAC must cover exactly that bucket, key and
expiry, and the expiry must be in the future; anything else is 403 with no hint whether the object
exists (404 only answers a valid signature). Objects are served with their stored content type -
only image types are served inline, anything else as an attachment - with ``nosniff`` and a
``default-src 'none'`` policy, so even a stored non-image can never run as a page of this origin.
Browsers revalidate with ETag/If-None-Match (304) and may cache until the URL expires.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.deps import StudioDep
from storage.base import ObjectNotFound, StorageError
from storage.local import LocalStorage

_INLINE_TYPES = {"image/png", "image/jpeg", "image/webp", "image/gif"}
_MAX_CACHE_S = 31_536_000


router = APIRouter(include_in_schema=False)  # mounted at ``LocalStorage.url_prefix`` (see api/routes.py)


async def local_storage(studio: StudioDep) -> LocalStorage:
    """The app's storage; this router is only mounted when it is a :class:`LocalStorage`."""
    storage = studio.ctx.storage
    assert isinstance(storage, LocalStorage), "the storage route serves LocalStorage only"
    return storage


@router.api_route("/{bucket}/{key:path}", methods=["GET", "HEAD"])
async def serve_stored_object(bucket: str, key: str, request: Request,
                              storage: Annotated[LocalStorage, Depends(local_storage)]) -> Response:
    expires_raw = request.query_params.get("expires", "")
    sig = request.query_params.get("sig", "")
    try:
        expires = int(expires_raw)
    except ValueError:
        return _forbidden()
    if not sig or not storage.verify(bucket, key, expires, sig):
        return _forbidden()
    try:
        data, meta = await run_in_threadpool(storage.read, bucket, key)
    except ObjectNotFound:
        return Response(status_code=404, headers=_security_headers())
    except StorageError:
        return _forbidden()
    etag = f'"{meta.etag}"' if meta.etag else f'"{len(data)}"'
    headers = _security_headers() | {
        "ETag": etag,
        "Cache-Control": f"private, max-age={max(0, min(_MAX_CACHE_S, expires - int(time.time())))}",
    }
    if meta.content_type in _INLINE_TYPES:
        content_type = meta.content_type
    else:
        content_type = "application/octet-stream"
        headers["Content-Disposition"] = "attachment"
    if _matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    body = b"" if request.method == "HEAD" else data
    response = Response(content=body, media_type=content_type, headers=headers)
    if request.method == "HEAD":
        response.headers["Content-Length"] = str(len(data))
    return response


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 weak comparison: ``*`` or any listed tag equal to ours, ignoring ``W/``."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


def _security_headers() -> dict[str, str]:
    return {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"}


def _forbidden() -> Response:
    return Response(status_code=403, headers=_security_headers() | {"Cache-Control": "no-store"})
