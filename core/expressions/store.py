"""The rows of expression sets: open a set, record label states and images, choose, delete.

Only the character's owner reaches any of it: another user gets *not found*, even for a public
character (a set is working material, not part of what a public character shows). Every change
publishes ``expression.changed`` on the character, so every open studio tab redraws that label.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from core.auth import readable_character
from core.context import Context
from core.db import Database
from core.errors import NotFound
from core.events import Event, EventType
from core.expressions.views import LabelView, SetView, set_view
from core.models import Character, ExpressionImage, ExpressionLabel, ExpressionSet, Job, User, utcnow
from core.urls import refresh
from storage.base import USER_LIBRARY, StorageError, delete_with_thumbnails

log = logging.getLogger(__name__)
NOT_FOUND = "Character not found"


def read_set(ctx: Context, actor: User, character_id: str) -> SetView | None:
    """The character's set with freshly signed URLs, or None when it has none yet."""
    with ctx.db.read() as session:
        owned_character(session, actor, character_id)
        return _load(ctx, session, character_id)


def open_set(ctx: Context, actor: User, character_id: str, labels: Sequence[str], *, source_kind: str,
             source_url: str | None, source_portrait_id: str | None, background: str,
             api_model_id: str | None) -> str:
    """Create the set or extend it with new labels; the asked labels become ``pending``. Returns its id.

    Labels the set already has keep their place and their images; new ones are added at the end.
    """
    with ctx.db.write() as session:
        owned_character(session, actor, character_id, lock=True)
        row = session.exec(select(ExpressionSet).where(ExpressionSet.character_id == character_id)).first()
        if row is None:
            row = ExpressionSet(character_id=character_id, user_id=actor.id)
        row.source_kind, row.source_url, row.source_portrait_id = source_kind, source_url, source_portrait_id
        row.background, row.api_model_id, row.updated_at = background, api_model_id, utcnow()
        row.labels = list(dict.fromkeys([*row.labels, *labels]))
        session.add(row)
        session.flush()
        existing = {item.label: item for item in session.exec(
            select(ExpressionLabel).where(ExpressionLabel.set_id == row.id))}
        for label in labels:
            item = existing.get(label) or ExpressionLabel(set_id=row.id, label=label,
                                                          position=row.labels.index(label))
            item.status, item.error_message, item.updated_at = "pending", None, utcnow()
            session.add(item)
        set_id = row.id
    _publish(ctx, character_id, set_id, None, "pending")
    return set_id


def add_labels(ctx: Context, actor: User, character_id: str, labels: Sequence[str], *, source_kind: str) -> str:
    """Add empty labels (an upload's or an import's), creating the set if there is none; returns its id.

    Unlike :func:`open_set`, labels that exist keep their state, and the set keeps its face and job."""
    with ctx.db.write() as session:
        owned_character(session, actor, character_id, lock=True)
        row = session.exec(select(ExpressionSet).where(ExpressionSet.character_id == character_id)).first()
        if row is None:
            row = ExpressionSet(character_id=character_id, user_id=actor.id, source_kind=source_kind,
                                background="plain")
        row.labels = list(dict.fromkeys([*row.labels, *labels]))
        row.updated_at = utcnow()
        session.add(row)
        session.flush()
        existing = set(session.exec(select(ExpressionLabel.label).where(ExpressionLabel.set_id == row.id)))
        for label in labels:
            if label not in existing:
                session.add(ExpressionLabel(set_id=row.id, label=label, position=row.labels.index(label)))
        return row.id


def set_id_of(ctx: Context, actor: User, character_id: str) -> str:
    """The id of the character's set (the actor's own character), or *not found*."""
    with ctx.db.read() as session:
        owned_character(session, actor, character_id)
        set_id = session.exec(select(ExpressionSet.id).where(ExpressionSet.character_id == character_id)).first()
    if set_id is None:
        raise NotFound("This character has no expression set")
    return set_id


def image_keys(ctx: Context, set_id: str) -> dict[str, str]:
    """Image id -> storage key of a set's stored images (for an export, which reads the bytes)."""
    with ctx.db.read() as session:
        rows = session.exec(select(ExpressionImage.id, ExpressionImage.storage_path)
                            .where(ExpressionImage.set_id == set_id))
        return {image_id: key for image_id, key in rows if key}


def attach_job(db: Database, set_id: str, job_id: str, *, replacing: str | None = None,
               must_replace: bool = False) -> bool:
    """Make ``job_id`` the set's job. With ``must_replace``, only if the set's job is still ``replacing``:
    of several processes resuming one interrupted set, exactly one wins."""
    with db.write() as session:
        row = session.get(ExpressionSet, set_id)
        if row is None or (must_replace and row.job_id != replacing):
            return False
        row.job_id, row.updated_at = job_id, utcnow()
        session.add(row)
    return True


def mark_label(ctx: Context, character_id: str, set_id: str, label: str, status: str,
               error: str | None = None) -> None:
    """Record one label's state (``generating``, ``failed``, ``cancelled``...) and tell the tabs."""
    with ctx.db.write() as session:
        item = _label_row(session, set_id, label)
        if item is None:  # deleted meanwhile: nothing to record
            return
        item.status, item.error_message, item.updated_at = status, (error or None) and error[:2000], utcnow()
        session.add(item)
    _publish(ctx, character_id, set_id, label, status)


def record_image(ctx: Context, character_id: str, set_id: str, label: str, *, image_url: str,
                 thumbnail_url: str | None, storage_path: str | None, background: str, origin: str,
                 metadata: dict[str, Any] | None = None, image_id: str | None = None) -> str | None:
    """Add an image to a label and make it the chosen one; the label is then ``completed``.

    Returns the image id, or None when the label was deleted meanwhile (the caller removes the file).
    """
    with ctx.db.write() as session:
        item = _label_row(session, set_id, label)
        if item is None:
            return None
        image = ExpressionImage(set_id=set_id, label_id=item.id, image_url=image_url, thumbnail_url=thumbnail_url,
                                storage_path=storage_path, background=background, origin=origin,
                                image_metadata=dict(metadata or {}))
        if image_id:
            image.id = image_id
        session.add(image)
        item.chosen_image_id, item.status, item.error_message, item.updated_at = image.id, "completed", None, utcnow()
        session.add(item)
        new_id = image.id
    _publish(ctx, character_id, set_id, label, "completed")
    return new_id


def choose_image(ctx: Context, actor: User, character_id: str, label: str, image_id: str) -> LabelView:
    """Mark one of the label's images as the chosen one (the sprite an export names ``<label>.png``)."""
    with ctx.db.write() as session:
        row, item = _owned_label(session, actor, character_id, label)
        image = session.get(ExpressionImage, image_id) if image_id else None
        if image is None or image.label_id != item.id:
            raise NotFound("Image not found")
        item.chosen_image_id, item.status, item.updated_at = image.id, "completed", utcnow()
        session.add(item)
        set_id = row.id
    _publish(ctx, character_id, set_id, label, "completed")
    view = read_set(ctx, actor, character_id)
    found = view.label(label) if view else None
    if found is None:
        raise NotFound("Expression not found")
    return found


def delete_label(ctx: Context, actor: User, character_id: str, label: str) -> None:
    """Remove a label from the set, with every image of it and their files."""
    with ctx.db.write() as session:
        row, item = _owned_label(session, actor, character_id, label)
        images = list(session.exec(select(ExpressionImage).where(ExpressionImage.label_id == item.id)))
        for image in images:
            session.delete(image)
        session.delete(item)
        row.labels = [name for name in row.labels if name != label]
        row.updated_at = utcnow()
        session.add(row)
        set_id = row.id
    remove_files(ctx, [image.storage_path for image in images])
    _publish(ctx, character_id, set_id, label, "deleted")


def delete_image(ctx: Context, actor: User, character_id: str, label: str, image_id: str) -> None:
    """Remove one image of a label; if it was the chosen one the newest other image takes over."""
    with ctx.db.write() as session:
        row, item = _owned_label(session, actor, character_id, label)
        image = session.get(ExpressionImage, image_id) if image_id else None
        if image is None or image.label_id != item.id:
            raise NotFound("Image not found")
        session.delete(image)
        session.flush()
        if item.chosen_image_id == image.id:
            newest = session.exec(select(ExpressionImage).where(ExpressionImage.label_id == item.id)
                                  .order_by(col(ExpressionImage.created_at).desc())).first()
            item.chosen_image_id = newest.id if newest else None
            item.status = "completed" if newest else "pending"
        item.updated_at = utcnow()
        session.add(item)
        set_id = row.id
    remove_files(ctx, [image.storage_path])
    _publish(ctx, character_id, set_id, label, item.status)


def interrupted_sets(db: Database, interrupted_message: str) -> list[tuple[str, str, str]]:
    """(set id, owner id, old job id) of each set whose job was failed by a restart with labels left to do."""
    with db.read() as session:
        rows = session.exec(
            select(ExpressionSet.id, ExpressionSet.user_id, ExpressionSet.job_id)
            .join(Job, col(Job.id) == col(ExpressionSet.job_id))
            .where(col(Job.status) == "failed", col(Job.error_message) == interrupted_message))
        found = [(set_id, user_id, job_id) for set_id, user_id, job_id in rows if job_id]
        waiting = set(session.exec(select(ExpressionLabel.set_id).where(
            col(ExpressionLabel.status).in_(("pending", "generating")))))
    return [item for item in found if item[0] in waiting]


@dataclass(frozen=True)
class ImportedSprite:
    """One stored image of an imported set (a label's first one is its chosen one)."""

    label: str
    image_id: str
    key: str
    image_url: str
    thumbnail_url: str | None
    transparent: bool


def insert_imported_set(session: Session, character_id: str, owner_id: str, labels: Sequence[str],
                        sprites: Sequence[ImportedSprite]) -> str:
    """A card's set, in the importer's transaction (with the new character, or not at all).

    Labels with no image come in empty (``cancelled``: the tab offers Retry). Images keep the card's
    order: a label's first image is chosen, the next ones are ``-1``, ``-2``… on the next export.
    """
    background = "transparent" if sprites and all(s.transparent for s in sprites) else "plain"
    row = ExpressionSet(character_id=character_id, user_id=owner_id, labels=list(labels), source_kind="import",
                        background=background)
    session.add(row)
    session.flush()
    items = {label: ExpressionLabel(set_id=row.id, label=label, position=index, status="cancelled")
             for index, label in enumerate(labels)}
    session.add_all(items.values())
    session.flush()
    newest = utcnow()
    for index, sprite in enumerate(sprites):  # newest first is the view's order: count down from now
        item = items[sprite.label]
        session.add(ExpressionImage(id=sprite.image_id, set_id=row.id, label_id=item.id, image_url=sprite.image_url,
                                    thumbnail_url=sprite.thumbnail_url, storage_path=sprite.key,
                                    background="transparent" if sprite.transparent else "plain", origin="import",
                                    created_at=newest - timedelta(microseconds=index)))
        if item.chosen_image_id is None:
            item.chosen_image_id, item.status = sprite.image_id, "completed"
            session.add(item)
    return row.id


def owned_character(session: Session, actor: User, character_id: str, *, lock: bool = False) -> Character:
    """The actor's own character, else *not found* (never *forbidden*: nothing of others is confirmed)."""
    character = readable_character(session, actor, character_id, lock=lock)
    if character.user_id != actor.id:
        raise NotFound(NOT_FOUND)
    return character


def remove_files(ctx: Context, keys: Sequence[str | None]) -> None:
    """Delete stored images and their thumbnails, best effort: a leftover file is logged, not raised."""
    for key in keys:
        if not key:
            continue
        try:
            delete_with_thumbnails(ctx.storage, USER_LIBRARY, key)
        except (StorageError, ValueError):
            log.exception("could not remove expression image %s", key)


def _load(ctx: Context, session: Session, character_id: str) -> SetView | None:
    row = session.exec(select(ExpressionSet).where(ExpressionSet.character_id == character_id)).first()
    if row is None:
        return None
    labels = list(session.exec(select(ExpressionLabel).where(ExpressionLabel.set_id == row.id)))
    images = list(session.exec(select(ExpressionImage).where(ExpressionImage.set_id == row.id)))
    owner = row.user_id
    refresh(ctx.urls, images, "image_url", "thumbnail_url", owner=lambda _row: owner)
    refresh(ctx.urls, [row], "source_url", owner=lambda _row: owner)
    return set_view(row, labels, images)


def _owned_label(session: Session, actor: User, character_id: str,
                 label: str) -> tuple[ExpressionSet, ExpressionLabel]:
    owned_character(session, actor, character_id, lock=True)
    row = session.exec(select(ExpressionSet).where(ExpressionSet.character_id == character_id)).first()
    item = _label_row(session, row.id, label) if row is not None else None
    if row is None or item is None:
        raise NotFound(f"This character has no expression {label!r}")
    return row, item


def _label_row(session: Session, set_id: str, label: str) -> ExpressionLabel | None:
    return session.exec(select(ExpressionLabel).where(ExpressionLabel.set_id == set_id,
                                                      ExpressionLabel.label == label)).first()


def _publish(ctx: Context, character_id: str, set_id: str, label: str | None, status: str) -> None:
    ctx.events.publish(Event(EventType.EXPRESSION_CHANGED, character_id,
                             {"set_id": set_id, "label": label, "status": status}))

