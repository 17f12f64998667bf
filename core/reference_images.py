"""Reference images: the picture a character's portraits keep their face from (Image Match Mode).

An upload passes the image gate (format from the bytes, limits, HEIC -> PNG, orientation, metadata
stripped, downscaled to the reference edge, thumbnails) before it is stored in ``reference_images``
at ``{user_id}/{character_id}/{file}``; then the character points at it and the file it replaces is
removed. The library lists the user's own stored images (references and portraits) for the picker.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass

from core.auth import writable_character
from core.context import Context
from core.errors import NotFound, ValidationError
from core.events import Event, EventType
from core.image_gate import image_limits, prepare_reference
from core.models import Character, User, utcnow
from storage.base import (
    REFERENCE_IMAGES,
    USER_LIBRARY,
    delete_with_thumbnails,
    is_thumbnail_key,
    put_with_thumbnails,
    reference_key,
    thumbnail_key,
)

log = logging.getLogger(__name__)
LIBRARY_LIMIT = 500


@dataclass(frozen=True)
class LibraryImage:
    bucket: str
    key: str
    url: str
    thumbnail_url: str
    kind: str  # 'reference' | 'portrait'
    character_id: str


async def upload_reference(ctx: Context, actor: User, character_id: str, data: bytes) -> Character:
    """Gate, store and attach a new reference; the previous uploaded one is deleted."""
    await asyncio.to_thread(_check_writable, ctx, actor, character_id)
    processed = await prepare_reference(ctx.workers, data, image_limits(ctx.settings))
    key = reference_key(actor.id, character_id, f"{uuid.uuid4().hex}.{processed.extension}")
    await asyncio.to_thread(put_with_thumbnails, ctx.storage, REFERENCE_IMAGES, key, processed.data,
                            processed.content_type, processed.thumbnails)
    try:
        return await asyncio.to_thread(_attach, ctx, actor, character_id, REFERENCE_IMAGES, key)
    except BaseException:
        await asyncio.to_thread(delete_with_thumbnails, ctx.storage, REFERENCE_IMAGES, key)
        raise


async def use_stored_image(ctx: Context, actor: User, character_id: str, bucket: str, key: str) -> Character:
    """Point the reference at one of the actor's stored images (a portrait, or an earlier upload)."""
    if bucket not in (REFERENCE_IMAGES, USER_LIBRARY) or not key.startswith(f"{actor.id}/") or is_thumbnail_key(key):
        raise NotFound("Image not found")
    if not await asyncio.to_thread(ctx.storage.exists, bucket, key):
        raise NotFound("Image not found")
    return await asyncio.to_thread(_attach, ctx, actor, character_id, bucket, key)


async def clear_reference(ctx: Context, actor: User, character_id: str) -> Character:
    return await asyncio.to_thread(_attach, ctx, actor, character_id, None, None)


async def list_library(ctx: Context, actor: User) -> list[LibraryImage]:
    """The actor's stored references and portraits, newest characters first, thumbnails signed."""
    return await asyncio.to_thread(_library, ctx, actor)


def _check_writable(ctx: Context, actor: User, character_id: str) -> None:
    with ctx.db.read() as session:
        writable_character(session, actor, character_id, lock=False)


def _attach(ctx: Context, actor: User, character_id: str, bucket: str | None, key: str | None) -> Character:
    with ctx.db.write() as session:
        character = writable_character(session, actor, character_id)
        previous = character.reference_image_path
        character.reference_image_path = f"{bucket}/{key}" if bucket and key else None
        character.reference_image_url = ctx.urls.signed_url(bucket, key) if bucket and key else None
        character.updated_at = utcnow()
        session.add(character)
    _remove_replaced(ctx, previous, character.reference_image_path, f"{actor.id}/{character_id}/")
    ctx.events.publish(Event(EventType.CHARACTER_UPDATED, character_id, {
        "version": character.version, "source": None,
        "changes": {"reference_image_url": character.reference_image_url}}))
    return character


def _remove_replaced(ctx: Context, previous: str | None, current: str | None, own_prefix: str) -> None:
    """Delete the old reference if it was uploaded for this character; portraits and other characters'
    uploads picked from the library are never deleted."""
    if not previous or previous == current or not previous.startswith(f"{REFERENCE_IMAGES}/{own_prefix}"):
        return
    try:
        delete_with_thumbnails(ctx.storage, REFERENCE_IMAGES, previous.split("/", 1)[1])
    except Exception:
        log.exception("could not remove the replaced reference %s", previous)


def _library(ctx: Context, actor: User) -> list[LibraryImage]:
    images: list[LibraryImage] = []
    for bucket, kind in ((REFERENCE_IMAGES, "reference"), (USER_LIBRARY, "portrait")):
        stored = [o for o in ctx.storage.list(bucket, f"{actor.id}/") if not is_thumbnail_key(o.key)]
        keys = [o.key for o in stored][:LIBRARY_LIMIT]
        thumbs = {k: thumbnail_key(k, 256) for k in keys}
        signed = ctx.urls.sign_many(bucket, [*keys, *thumbs.values()])
        for key in keys:
            parts = key.split("/")
            character = parts[2] if kind == "portrait" and len(parts) > 3 else parts[1]
            images.append(LibraryImage(bucket, key, signed[key], signed[thumbs[key]], kind, character))
    return images


def reference_location(character: Character) -> tuple[str, str] | None:
    """(bucket, key) of the character's reference, when it is one of our stored images."""
    path = character.reference_image_path
    if not path or "/" not in path:
        return None
    bucket, key = path.split("/", 1)
    if bucket not in (REFERENCE_IMAGES, USER_LIBRARY):
        raise ValidationError("Stored reference path is invalid")
    return bucket, key
