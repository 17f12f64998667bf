"""Scenes of a character: the situations a roleplay can start in, listed by priority."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from core.auth import readable_character, writable_character
from core.context import Context
from core.errors import NotFound, ValidationError
from core.events import Event, EventType
from core.models import CharacterScene, User, utcnow
from core.urls import owned_location, refresh

SCENE_NAME_MAX = 100
SCENE_TEXT_MAX = 5_000
SCENE_PROMPT_MAX = 20_000
STARTERS_MAX, STARTER_LEN_MAX = 20, 1_000
SCENE_FIELDS = ("scene_name", "scene_description", "scene_prompt", "image_url", "scene_type",
                "scene_starters", "system_prompt", "priority")


def list_scenes(ctx: Context, actor: User, character_id: str) -> list[CharacterScene]:
    """Highest priority first, then oldest first, so the order is stable."""
    with ctx.db.read() as session:
        owner = readable_character(session, actor, character_id).user_id
        stmt = (select(CharacterScene).where(CharacterScene.character_id == character_id)
                .order_by(col(CharacterScene.priority).desc(), col(CharacterScene.created_at), col(CharacterScene.id)))
        rows = list(session.exec(stmt))
    refresh(ctx.urls, rows, "image_url", owner=lambda _row: owner)
    return rows


def create_scene(ctx: Context, actor: User, character_id: str, data: dict[str, Any]) -> CharacterScene:
    cleaned = validate_scene({"scene_name": "", **data})
    _check_image(ctx, actor, cleaned)
    with ctx.db.write() as session:
        writable_character(session, actor, character_id)
        scene = CharacterScene(character_id=character_id, **cleaned)
        session.add(scene)
    _announce(ctx, scene, "created")
    return scene


def update_scene(ctx: Context, actor: User, scene_id: str, changes: dict[str, Any]) -> CharacterScene:
    cleaned = validate_scene(changes)
    _check_image(ctx, actor, cleaned)
    with ctx.db.write() as session:
        scene = _owned_scene(session, actor, scene_id)
        for field, value in cleaned.items():
            setattr(scene, field, value)
        scene.updated_at = utcnow()
        session.add(scene)
    _announce(ctx, scene, "updated")
    return scene


def delete_scene(ctx: Context, actor: User, scene_id: str) -> None:
    with ctx.db.write() as session:
        scene = _owned_scene(session, actor, scene_id)
        session.delete(scene)
    _announce(ctx, scene, "deleted")


def validate_scene(data: dict[str, Any]) -> dict[str, Any]:
    """Cleaned scene fields, or one ValidationError naming every bad field."""
    unknown = sorted(set(data) - set(SCENE_FIELDS))
    errors: dict[str, str] = {name: f"'{name}' is not a scene field" for name in unknown}
    cleaned: dict[str, Any] = {}
    for field, value in data.items():
        if field in unknown:
            continue
        try:
            cleaned[field] = _clean(field, value)
        except ValueError as exc:
            errors[field] = str(exc)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean(field: str, value: Any) -> Any:
    if field == "scene_name":
        if not isinstance(value, str) or not value.strip():
            raise ValueError("Scene name is required")
        if len(value.strip()) > SCENE_NAME_MAX:
            raise ValueError(f"Scene name must be at most {SCENE_NAME_MAX} characters")
        return value.strip()
    if field == "priority":
        if not isinstance(value, int) or isinstance(value, bool) or not -1000 <= value <= 1000:
            raise ValueError("Priority must be a whole number between -1000 and 1000")
        return value
    if field == "scene_starters":
        return _clean_starters(value)
    if field == "scene_type":
        if not isinstance(value, str) or not value.strip() or len(value) > 30:
            raise ValueError("Scene type must be text of at most 30 characters")
        return value.strip()
    limit = SCENE_PROMPT_MAX if field in ("scene_prompt", "system_prompt") else SCENE_TEXT_MAX
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise ValueError(f"{field.replace('_', ' ').capitalize()} must be text of at most {limit} characters")
    return value


def _clean_starters(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("Scene starters must be a list of strings")
    starters = [item.strip() for item in value if item.strip()]
    if len(starters) > STARTERS_MAX:
        raise ValueError(f"At most {STARTERS_MAX} scene starters are allowed (got {len(starters)})")
    if any(len(item) > STARTER_LEN_MAX for item in starters):
        raise ValueError(f"Each scene starter must be at most {STARTER_LEN_MAX} characters")
    return starters


def _check_image(ctx: Context, actor: User, cleaned: dict[str, Any]) -> None:
    """A scene's image is one of the actor's own stored images, or none.

    Not a web address: a public preview would make every viewer's browser call that third party.
    Not someone else's stored image: the list would sign it, and hand over their private file.
    """
    url = cleaned.get("image_url")
    if not url:
        return
    found = owned_location(url, actor.id)
    if found is None or not ctx.storage.exists(*found):
        raise ValidationError({"image_url": "The scene image must be one of your stored images "
                                            "(generate one or pick a portrait); web addresses are not accepted"})


def _owned_scene(session: Session, actor: User, scene_id: str) -> CharacterScene:
    scene = session.get(CharacterScene, scene_id) if scene_id else None
    if scene is None:
        raise NotFound("Scene not found")
    writable_character(session, actor, scene.character_id)
    return scene


def _announce(ctx: Context, scene: CharacterScene, action: str) -> None:
    ctx.events.publish(Event(EventType.SCENE_CHANGED, scene.character_id, {"id": scene.id, "action": action}))
