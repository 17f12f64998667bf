"""Phase 6: fetch the provider's image, pass it through the image gate, store it and sign its URLs.

Bytes from a provider are treated like any upload: the format is decided from the bytes, sizes are
bounded, metadata is stripped and thumbnails are made, all in the process pool. If storing fails and
the provider gave a URL, that URL is kept (the seed's fallback) and the fault is logged.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import dataclass, field

import httpx

from core.context import Context
from core.generation.providers.base import GeneratedImage, ProviderError
from core.image_gate import THUMB_SIZE, image_limits, prepare_portrait
from storage.base import USER_LIBRARY, Storage, delete_with_thumbnails, put_with_thumbnails, thumbnail_key
from storage.images import ImageLimits, ImageRejected

log = logging.getLogger(__name__)


@dataclass
class StoredPortrait:
    """Where a gated portrait went, and what an export needs to know of its bytes without reading them."""

    image_url: str
    thumbnail_url: str | None
    storage_path: str | None
    thumbnail_paths: dict[str, str] = field(default_factory=dict)
    width: int | None = None
    height: int | None = None
    crc32: int | None = None  # of the stored bytes, for archives (storage.checksum)
    size: int | None = None


async def fetch_image_bytes(image: GeneratedImage, limits: ImageLimits, timeout_s: float,
                            client: httpx.AsyncClient) -> bytes:
    """The image's bytes: given directly, in a data URI, or downloaded with a size cap and a timeout."""
    if image.data is not None:
        return image.data
    url = image.url or ""
    if url.startswith("data:"):
        try:
            return base64.b64decode(url.partition(",")[2], validate=True)
        except ValueError as exc:
            raise ProviderError("The provider returned an image that is not valid base64", code="bad_image") from exc
    if not url.startswith(("http://", "https://")):
        raise ProviderError("The provider returned no image", code="no_image")
    return await _download(client, url, limits.max_bytes, timeout_s)


async def store_portrait(ctx: Context, data: bytes, key: str, fallback_url: str | None) -> StoredPortrait:
    """Gate, store with thumbnails, sign; on a storage fault fall back to the provider URL."""
    storage, settings = ctx.storage, ctx.settings
    processed = await prepare_portrait(ctx.workers, data, image_limits(settings))
    thumbs = {str(size): thumbnail_key(key, size) for size in processed.thumbnails}
    try:
        await asyncio.to_thread(put_with_thumbnails, storage, USER_LIBRARY, key, processed.data,
                                processed.content_type, processed.thumbnails)
        signed = await asyncio.to_thread(ctx.urls.sign_many, USER_LIBRARY, [key, *thumbs.values()],
                                         settings.signed_url_expiry_s)
    except Exception:
        if not fallback_url or fallback_url.startswith("data:"):
            raise
        log.exception("storing portrait %s failed; keeping the provider's URL", key)
        return StoredPortrait(fallback_url, None, None, {}, processed.width, processed.height)
    thumb_key = thumbs.get(str(THUMB_SIZE)) or next(iter(thumbs.values()), None)
    return StoredPortrait(signed[key], signed.get(thumb_key) if thumb_key else None, key, thumbs,
                          processed.width, processed.height, processed.crc32, len(processed.data))


async def discard_portrait(storage: Storage, key: str | None) -> None:
    """Remove a stored image and its thumbnails (when a later phase failed): no orphan files."""
    if key:
        try:
            await asyncio.to_thread(delete_with_thumbnails, storage, USER_LIBRARY, key)
        except Exception:
            log.exception("could not remove orphan portrait %s", key)


def download_client() -> httpx.AsyncClient:
    """One pooled client for every download: building an SSL context per request costs ~50 ms of loop time."""
    return httpx.AsyncClient(follow_redirects=True, limits=httpx.Limits(max_connections=50))


async def _download(client: httpx.AsyncClient, url: str, max_bytes: int, timeout_s: float) -> bytes:
    try:
        async with client.stream("GET", url, timeout=timeout_s) as response:
            if response.status_code != 200:
                raise ProviderError(f"Downloading the generated image failed (HTTP {response.status_code})",
                                    retryable=response.status_code >= 500, code="download_failed")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise ImageRejected("The generated image is larger than the upload limit", "too_large")
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.TimeoutException as exc:
        raise ProviderError("Downloading the generated image timed out", retryable=True, code="timeout") from exc
    except httpx.HTTPError as exc:
        raise ProviderError(f"Downloading the generated image failed: {exc}", retryable=True,
                            code="download_failed") from exc
