"""Characters: create, read, update with optimistic versions, publish, list, duplicate, delete.

Every function takes the acting user and checks ownership itself (via ``core.auth``), so no page or
route can forget: someone else's private character is *not found*; a public one is readable only.
Events are published after the transaction commits, so a subscriber never sees uncommitted state.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from sqlmodel import col, select

from core.auth import readable_character, writable_character
from core.character_rules import EDITABLE_FIELDS, NAME_MAX, validate_changes
from core.context import Context
from core.errors import Conflict, ValidationError
from core.events import Event, EventType
from core.models import Character, CharacterScene, User, utcnow
from core.urls import refresh
from storage.base import REFERENCE_IMAGES, USER_LIBRARY, StorageError, object_key

log = logging.getLogger(__name__)

SortKey = Literal["updated", "created", "name"]
URL_FIELDS = ("image_url", "reference_image_url")
LIST_LIMIT_MAX = 200


def create_character(ctx: Context, actor: User, data: dict[str, Any], *,
                     strict_description: bool = False, character_id: str | None = None) -> Character:
    """A new character owned by ``actor``, private unless ``data`` says otherwise.

    The lenient rules (the default) take what a draft has: a name and anything else within the common
    maxima, so the studio can keep a character from its first named keystroke. ``strict_description``
    adds the create form's 50-character minimum for the description. ``character_id``: an id the
    caller made with :func:`core.models.new_id` beforehand (a tab remembers it before the insert ends).
    """
    cleaned = validate_changes(data, strict_description=strict_description, creating=True)
    character = Character(user_id=actor.id, **cleaned, **({"id": character_id} if character_id else {}))
    with ctx.db.write() as session:
        session.add(character)
    return character


def get_character(ctx: Context, actor: User, character_id: str) -> Character:
    with ctx.db.read() as session:
        character = readable_character(session, actor, character_id)
    refresh(ctx.urls, [character], *URL_FIELDS, owner=_owner)
    return character


def update_character(ctx: Context, actor: User, character_id: str, changes: dict[str, Any],
                     version: int, *, source: str | None = None) -> Character:
    """Apply ``changes`` if ``version`` is current; otherwise Conflict carrying the row as it is now.

    ``source`` names the editor (a browser tab) so it can recognise its own ``character.updated``.
    """
    cleaned = validate_changes(changes)
    with ctx.db.write() as session:
        character = writable_character(session, actor, character_id)
        if character.version != version:
            session.expunge(character)  # keep its loaded values through the rollback
            raise Conflict("This character was changed elsewhere; reload it or overwrite", character)
        for field, value in cleaned.items():
            setattr(character, field, value)
        character.version += 1
        character.updated_at = utcnow()
        session.add(character)
    _announce(ctx, character, cleaned, source)
    return character


def publish_character(ctx: Context, actor: User, character_id: str, is_public: bool = True) -> Character:
    """Make a character public (or private again) without needing the caller's version."""
    with ctx.db.write() as session:
        character = writable_character(session, actor, character_id)
        character.is_public = is_public
        character.version += 1
        character.updated_at = utcnow()
        session.add(character)
    _announce(ctx, character, {"is_public": is_public}, None)
    return character


def list_characters(ctx: Context, actor: User, *, search: str = "", sort: SortKey = "updated",
                    role: str | None = None, limit: int = 50, offset: int = 0) -> list[Character]:
    """The actor's own characters, optionally filtered by a case-insensitive name search."""
    if sort not in ("updated", "created", "name"):
        raise ValidationError({"sort": "Sort must be one of: updated, created, name"})
    limit = max(1, min(limit, LIST_LIMIT_MAX))
    stmt = select(Character).where(Character.user_id == actor.id)
    if search.strip():
        stmt = stmt.where(col(Character.name).ilike(f"%{_escape_like(search.strip())}%", escape="\\"))
    if role is not None:
        stmt = stmt.where(Character.role == role)
    order = {
        "updated": col(Character.updated_at).desc(),
        "created": col(Character.created_at).desc(),
        "name": col(Character.name).asc(),
    }[sort]
    stmt = stmt.order_by(order, col(Character.id)).offset(max(0, offset)).limit(limit)
    with ctx.db.read() as session:
        rows = list(session.exec(stmt))
    refresh(ctx.urls, rows, *URL_FIELDS, owner=_owner)
    return rows


def duplicate_character(ctx: Context, actor: User, character_id: str) -> Character:
    """A private copy owned by ``actor`` with the same fields and scenes; portraits stay with the original."""
    with ctx.db.read() as session:
        source = readable_character(session, actor, character_id)
        scenes = list(session.exec(select(CharacterScene).where(CharacterScene.character_id == source.id)))
    fields = {field: getattr(source, field) for field in EDITABLE_FIELDS}
    suffix = " (copy)"
    fields["name"] = source.name[: NAME_MAX - len(suffix)] + suffix
    fields["is_public"] = False
    copy = Character(user_id=actor.id, card_data=dict(source.card_data or {}), **fields)
    with ctx.db.write() as session:
        session.add(copy)
        session.flush()
        for scene in scenes:
            data = scene.model_dump(exclude={"id", "character_id", "created_at", "updated_at"})
            session.add(CharacterScene(character_id=copy.id, **data))
    return copy


def delete_character(ctx: Context, actor: User, character_id: str) -> None:
    """Delete the row (portraits and scenes cascade), then the stored files under its prefixes."""
    with ctx.db.write() as session:
        character = writable_character(session, actor, character_id)
        owner = character.user_id
        session.delete(character)
    remove_character_files(ctx, owner, character_id)
    ctx.events.publish(Event(EventType.CHARACTER_DELETED, character_id, {"id": character_id}))


def remove_character_files(ctx: Context, owner_id: str, character_id: str) -> int:
    """Delete every stored object of a character; failures are logged, the rest still go."""
    prefixes = (
        (USER_LIBRARY, object_key(owner_id, "portraits", character_id) + "/"),
        (REFERENCE_IMAGES, object_key(owner_id, character_id) + "/"),
    )
    removed = 0
    for bucket, prefix in prefixes:
        try:
            for stored in ctx.storage.list(bucket, prefix):
                ctx.storage.delete(bucket, stored.key)
                removed += 1
        except StorageError:
            log.exception("could not remove stored files of character %s under %s", character_id, prefix)
    return removed


def character_fields(character: Character) -> dict[str, Any]:
    """The editable fields of a character as plain values (what a form or an API shows)."""
    return {field: getattr(character, field) for field in EDITABLE_FIELDS}


def _announce(ctx: Context, character: Character, changes: dict[str, Any], source: str | None) -> None:
    ctx.events.publish(Event(EventType.CHARACTER_UPDATED, character.id,
                             {"version": character.version, "changes": changes, "source": source}))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _owner(character: Character) -> str:
    return character.user_id
