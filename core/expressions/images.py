"""Expression images into storage: through the image gate like every image, PNG, with thumbnails.

Stored under the character's portrait prefix (``{user}/portraits/{character}/expressions/…``), so
deleting the character removes them with its portraits. No fallback to a provider's URL: an export
needs the bytes, so a set's image exists only once it is stored.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from core.context import Context
from core.image_gate import THUMB_SIZE, image_limits, prepare_portrait
from core.models import new_id
from storage.base import USER_LIBRARY, object_key, put_with_thumbnails, thumbnail_key


@dataclass(frozen=True)
class StoredExpression:
    image_id: str
    key: str
    image_url: str
    thumbnail_url: str | None
    has_alpha: bool


async def store_expression(ctx: Context, owner_id: str, character_id: str, data: bytes) -> StoredExpression:
    """Gate and store one image (ImageRejected when it is not a usable image); returns signed URLs."""
    processed = await prepare_portrait(ctx.workers, data, image_limits(ctx.settings))
    image_id = new_id()
    key = expression_key(owner_id, character_id, image_id)
    thumbs = {size: thumbnail_key(key, size) for size in processed.thumbnails}
    await asyncio.to_thread(put_with_thumbnails, ctx.storage, USER_LIBRARY, key, processed.data,
                            processed.content_type, processed.thumbnails)
    signed = await asyncio.to_thread(ctx.urls.sign_many, USER_LIBRARY, [key, *thumbs.values()],
                                     ctx.settings.signed_url_expiry_s)
    thumb = thumbs.get(THUMB_SIZE) or next(iter(thumbs.values()), None)
    return StoredExpression(image_id, key, signed[key], signed.get(thumb) if thumb else None,
                            has_alpha(processed.data))


def expression_key(owner_id: str, character_id: str, image_id: str) -> str:
    """Where an expression image is stored: under the character's portraits, so it goes with them."""
    return object_key(owner_id, "portraits", character_id, "expressions", f"{image_id}.png")


def has_alpha(png: bytes) -> bool:
    """Whether a stored PNG has an alpha channel: colour type 4 or 6 in IHDR, or a tRNS chunk."""
    if len(png) < 26 or png[:8] != b"\x89PNG\r\n\x1a\n":
        return False
    return png[25] in (4, 6) or b"tRNS" in png[:4096]
