"""Portraits of a character: list, add, set primary, delete, reorder.

The database keeps "at most one primary per character" (a partial unique index); these functions keep
the other half of the invariant: ``characters.image_url`` is always the primary portrait's URL (or
empty when there are no portraits). Each change locks the character row first, so concurrent calls on
one character run one after another on PostgreSQL (SQLite's ``BEGIN IMMEDIATE`` does the same).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session, col, func, select, update

from core.auth import readable_character, writable_character
from core.context import Context
from core.errors import NotFound, ValidationError
from core.events import Event, EventType
from core.models import Character, CharacterPortrait, User, utcnow
from core.urls import refresh
from storage.base import USER_LIBRARY, StorageError, delete_with_thumbnails

log = logging.getLogger(__name__)

PAGE_MAX = 200
GALLERY_ORDER = (col(CharacterPortrait.sort_order).desc(), col(CharacterPortrait.created_at).desc(),
                 col(CharacterPortrait.id).desc())


def list_portraits(ctx: Context, actor: User, character_id: str, *, limit: int = 48,
                   offset: int = 0) -> list[CharacterPortrait]:
    """One page of portraits in gallery order: highest sort_order first (new ones get the highest)."""
    limit = max(1, min(limit, PAGE_MAX))
    with ctx.db.read() as session:
        owner = readable_character(session, actor, character_id).user_id
        stmt = (select(CharacterPortrait).where(CharacterPortrait.character_id == character_id)
                .order_by(*GALLERY_ORDER)
                .offset(max(0, offset)).limit(limit))
        rows = list(session.exec(stmt))
    refresh(ctx.urls, rows, "image_url", "thumbnail_url", owner=lambda _row: owner)
    return rows


def count_portraits(ctx: Context, actor: User, character_id: str) -> int:
    with ctx.db.read() as session:
        readable_character(session, actor, character_id)
        return _count(session, character_id)


def get_portrait(ctx: Context, actor: User, portrait_id: str) -> CharacterPortrait:
    with ctx.db.read() as session:
        portrait = session.get(CharacterPortrait, portrait_id)
        if portrait is None:
            raise NotFound("Portrait not found")
        owner = readable_character(session, actor, portrait.character_id).user_id
    refresh(ctx.urls, [portrait], "image_url", "thumbnail_url", owner=lambda _row: owner)
    return portrait


def add_portrait(ctx: Context, actor: User, character_id: str, *, image_url: str,
                 thumbnail_url: str | None = None, prompt: str | None = None,
                 enhanced_prompt: str | None = None,
                 generation_metadata: dict[str, Any] | None = None) -> CharacterPortrait:
    """Insert a portrait: the first one becomes primary (and the avatar), ``sort_order`` = count."""
    if not image_url or not isinstance(image_url, str):
        raise ValidationError({"image_url": "A portrait needs an image URL"})
    with ctx.db.write() as session:
        character = writable_character(session, actor, character_id)
        count = _count(session, character_id)
        portrait = CharacterPortrait(
            character_id=character_id, image_url=image_url, thumbnail_url=thumbnail_url, prompt=prompt,
            enhanced_prompt=enhanced_prompt, generation_metadata=dict(generation_metadata or {}),
            is_primary=count == 0, sort_order=count,
        )
        session.add(portrait)
        if portrait.is_primary:
            character.image_url = image_url
            session.add(character)
    ctx.events.publish(Event(EventType.PORTRAIT_INSERTED, character_id, portrait_event(portrait)))
    if portrait.is_primary:
        _announce_image(ctx, character)
    return portrait


def set_primary(ctx: Context, actor: User, portrait_id: str) -> CharacterPortrait:
    """Make one portrait primary: unset the old one, set this one, point the avatar at it."""
    with ctx.db.write() as session:
        character, portrait = _owned_portrait(session, actor, portrait_id)
        previous = session.exec(select(CharacterPortrait.id).where(
            CharacterPortrait.character_id == character.id, col(CharacterPortrait.is_primary))).first()
        if previous != portrait.id:
            _unset_primary(session, character.id)
            portrait.is_primary = True
            portrait.updated_at = utcnow()
            session.add(portrait)
        character.image_url = portrait.image_url
        session.add(character)
    for pid, is_primary in ((previous, False), (portrait.id, True)):
        if pid and (pid != portrait.id or is_primary):
            ctx.events.publish(Event(EventType.PORTRAIT_UPDATED, character.id,
                                     {"id": pid, "is_primary": is_primary}))
    _announce_image(ctx, character)
    return portrait


def delete_portrait(ctx: Context, actor: User, portrait_id: str) -> CharacterPortrait | None:
    """Delete a portrait and its files; if it was primary the first one in gallery order takes over.

    Returns the new primary portrait, if one was promoted.
    """
    promoted: CharacterPortrait | None = None
    with ctx.db.write() as session:
        character, portrait = _owned_portrait(session, actor, portrait_id)
        was_primary = portrait.is_primary
        session.delete(portrait)
        session.flush()
        if was_primary:
            promoted = session.exec(
                select(CharacterPortrait).where(CharacterPortrait.character_id == character.id)
                .order_by(*GALLERY_ORDER)
            ).first()
            if promoted is not None:
                promoted.is_primary = True
                promoted.updated_at = utcnow()
                session.add(promoted)
            character.image_url = promoted.image_url if promoted else None
            session.add(character)
    remove_portrait_files(ctx, portrait)
    ctx.events.publish(Event(EventType.PORTRAIT_DELETED, character.id, {"id": portrait.id}))
    if promoted is not None:
        ctx.events.publish(Event(EventType.PORTRAIT_UPDATED, character.id,
                                 {"id": promoted.id, "is_primary": True}))
    if was_primary:
        _announce_image(ctx, character)
    return promoted


def reorder_portraits(ctx: Context, actor: User, character_id: str, order: list[str]) -> None:
    """Put the listed portraits in this display order (first = highest sort_order); ids must be this character's.

    Portraits left out of the list keep their sort_order below the listed ones.
    """
    if len(set(order)) != len(order):
        raise ValidationError({"order": "Each portrait may appear only once"})
    with ctx.db.write() as session:
        writable_character(session, actor, character_id)
        owned = set(session.exec(select(CharacterPortrait.id).where(
            CharacterPortrait.character_id == character_id, col(CharacterPortrait.id).in_(order))))
        missing = [pid for pid in order if pid not in owned]
        if missing:
            raise ValidationError({"order": f"{len(missing)} portrait id(s) do not belong to this character"})
        now = utcnow()
        top = _count(session, character_id) + len(order)
        for index, pid in enumerate(order):
            session.exec(update(CharacterPortrait).where(col(CharacterPortrait.id) == pid)  # type: ignore[call-overload]
                         .values(sort_order=top - index, updated_at=now))
    ctx.events.publish(Event(EventType.PORTRAIT_UPDATED, character_id, {"order": order}))


def remove_portrait_files(ctx: Context, portrait: CharacterPortrait) -> None:
    """Delete the stored image and thumbnails named in the portrait's metadata (best effort)."""
    meta = portrait.generation_metadata or {}
    try:
        if meta.get("storage_path"):
            delete_with_thumbnails(ctx.storage, USER_LIBRARY, str(meta["storage_path"]))
        for key in (meta.get("thumbnail_paths") or {}).values():
            ctx.storage.delete(USER_LIBRARY, str(key))
    except (StorageError, ValueError):
        log.exception("could not remove the stored files of portrait %s", portrait.id)


def portrait_event(portrait: CharacterPortrait) -> dict[str, Any]:
    """What subscribers need to draw a tile without reading the database again."""
    return {"id": portrait.id, "image_url": portrait.image_url, "thumbnail_url": portrait.thumbnail_url,
            "is_primary": portrait.is_primary, "sort_order": portrait.sort_order, "prompt": portrait.prompt}


def _owned_portrait(session: Session, actor: User, portrait_id: str) -> tuple[Character, CharacterPortrait]:
    """The portrait and its character, read after the character row is locked (so it is current)."""
    character_id = session.exec(select(CharacterPortrait.character_id)
                                .where(CharacterPortrait.id == portrait_id)).first() if portrait_id else None
    if character_id is None:
        raise NotFound("Portrait not found")
    character = writable_character(session, actor, character_id)
    portrait = session.exec(select(CharacterPortrait).where(CharacterPortrait.id == portrait_id)
                            .execution_options(populate_existing=True)).first()
    if portrait is None:
        raise NotFound("Portrait not found")
    return character, portrait


def _unset_primary(session: Session, character_id: str) -> None:
    session.exec(update(CharacterPortrait)  # type: ignore[call-overload]
                 .where(col(CharacterPortrait.character_id) == character_id, col(CharacterPortrait.is_primary))
                 .values(is_primary=False, updated_at=utcnow()))
    session.flush()


def _count(session: Session, character_id: str) -> int:
    return int(session.exec(select(func.count()).select_from(CharacterPortrait)
                            .where(CharacterPortrait.character_id == character_id)).one())


def _announce_image(ctx: Context, character: Character) -> None:
    ctx.events.publish(Event(EventType.CHARACTER_UPDATED, character.id, {
        "version": character.version, "changes": {"image_url": character.image_url}, "source": None}))

