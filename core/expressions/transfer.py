"""Sprites in and out: one image uploaded for a label, the set's bytes for an export.

Every image that comes in passes the image gate (:func:`core.expressions.images.store_expression`)
before anything is written. A card's sprites come in with the card (:mod:`core.cards.importer`), in
the same transaction as the new character.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from core.context import Context
from core.errors import ValidationError
from core.expressions import store
from core.expressions.images import StoredExpression, store_expression
from core.expressions.labels import validate_label
from core.models import User
from storage.base import USER_LIBRARY
from storage.images import ImageRejected


@dataclass(frozen=True)
class Sprite:
    """One label's images as bytes, the chosen one first (an export's ``<label>.png``, then ``-1``, ``-2``…)."""

    label: str
    images: tuple[bytes, ...]


async def upload_image(ctx: Context, actor: User, character_id: str, label: str, data: bytes) -> str:
    """The person's own image for a label (the label is added to the set if new); it becomes the chosen one."""
    label = validate_label(label)
    await asyncio.to_thread(_ensure_labels, ctx, actor, character_id, [label], "upload")
    stored = await _gated(ctx, actor, character_id, label, data)
    return await _record(ctx, actor, character_id, label, stored, "upload")


async def export_sprites(ctx: Context, actor: User, character_id: str) -> list[Sprite]:
    """The set's images as bytes, labels in the set's order, chosen first; labels with no image are left out."""
    view = await asyncio.to_thread(store.read_set, ctx, actor, character_id)
    if view is None:
        return []
    keys = await asyncio.to_thread(store.image_keys, ctx, view.id)
    sprites = []
    for label in view.labels:
        images = [keys[image.id] for image in label.images if keys.get(image.id)]
        if images:
            data = await asyncio.gather(*(asyncio.to_thread(ctx.storage.get, USER_LIBRARY, key) for key in images))
            sprites.append(Sprite(label.label, tuple(data)))
    return sprites


async def _gated(ctx: Context, actor: User, character_id: str, label: str, data: bytes) -> StoredExpression:
    try:
        return await store_expression(ctx, actor.id, character_id, data)
    except ImageRejected as exc:
        raise ValidationError({"image": f"The image for {label!r} was refused: {exc.message}"}) from exc


async def _record(ctx: Context, actor: User, character_id: str, label: str, stored: StoredExpression,
                  origin: str) -> str:
    set_id = await asyncio.to_thread(store.set_id_of, ctx, actor, character_id)
    recorded = await asyncio.to_thread(
        store.record_image, ctx, character_id, set_id, label, image_url=stored.image_url,
        thumbnail_url=stored.thumbnail_url, storage_path=stored.key,
        background="transparent" if stored.has_alpha else "plain", origin=origin, image_id=stored.image_id)
    if recorded is None:
        await asyncio.to_thread(store.remove_files, ctx, [stored.key])
        raise ValidationError({"label": f"The expression {label!r} was deleted meanwhile"})
    return recorded


def _ensure_labels(ctx: Context, actor: User, character_id: str, labels: list[str], source_kind: str) -> None:
    """Labels the set lacks are added (as empty), without touching those it has; a set is made if none."""
    current = store.read_set(ctx, actor, character_id)
    missing = [label for label in labels if current is None or current.label(label) is None]
    if current is None or missing:
        store.add_labels(ctx, actor, character_id, missing or labels, source_kind=source_kind)
