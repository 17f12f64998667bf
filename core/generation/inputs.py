"""Phase 2 and the request's own rules: what a portrait request may say, and whose character it is for."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.auth import writable_character
from core.character_rules import NAME_MAX, clean_tags
from core.context import Context
from core.errors import Forbidden, NotFound, ValidationError
from core.generation.prompt import MAX_USER_PROMPT, PRESET_ORDER
from core.models import CONTENT_RATINGS, GENDERS, User

PRESET_VALUE_MAX = 200
MISSING_CHARACTER = "Missing characterId or characterData"


@dataclass(frozen=True)
class PortraitRequest:
    """The seed's request, with our own ``seed`` for reproducible renders."""

    character_id: str | None = None
    character_data: dict[str, Any] | None = None
    prompt_override: str | None = None
    reference_image_url: str | None = None
    content_rating: str | None = None
    api_model_id: str | None = None
    presets: dict[str, str] = field(default_factory=dict)
    seed: int | None = None
    scene_id: str | None = None  # a scene image: stored with the character, set on the scene, not a portrait

    def __post_init__(self) -> None:
        validate_request(self)


@dataclass(frozen=True)
class ResolvedCharacter:
    id: str | None
    name: str
    gender: str
    content_rating: str
    appearance_tags: list[str]
    clothing_tags: list[str]
    appearance_details: str = ""


def validate_request(request: PortraitRequest) -> None:
    """400-class errors before anything is stored: missing character, long prompt, bad presets."""
    errors: dict[str, str] = {}
    if not request.character_id and not request.character_data:
        errors["characterId"] = MISSING_CHARACTER
    if request.prompt_override is not None and len(request.prompt_override) > MAX_USER_PROMPT:
        errors["promptOverride"] = f"Prompt must be at most {MAX_USER_PROMPT} characters (got " \
                                   f"{len(request.prompt_override)})"
    if request.content_rating is not None and request.content_rating not in CONTENT_RATINGS:
        errors["contentRating"] = f"Content rating must be one of: {', '.join(CONTENT_RATINGS)}"
    unknown = set(request.presets) - set(PRESET_ORDER)
    if unknown:
        errors["presets"] = f"Unknown presets: {', '.join(sorted(unknown))} (allowed: {', '.join(PRESET_ORDER)})"
    elif not all(_valid_preset_value(v) for v in request.presets.values()):
        errors["presets"] = f"Each preset must be text of at most {PRESET_VALUE_MAX} characters"
    if request.seed is not None and (not isinstance(request.seed, int) or not 0 <= request.seed < 2**32):
        errors["seed"] = "Seed must be a whole number between 0 and 4294967295"
    if errors:
        raise ValidationError(errors)


def recorded_presets(metadata: dict[str, Any]) -> dict[str, str]:
    """The presets a portrait was made with (its ``generation_metadata``), limited to what
    :func:`validate_request` accepts: an imported card's metadata may carry anything."""
    recorded = metadata.get("presets")
    if not isinstance(recorded, dict):
        return {}
    return {key: value for key, value in recorded.items() if key in PRESET_ORDER and _valid_preset_value(value)}


def _valid_preset_value(value: object) -> bool:
    return isinstance(value, str) and len(value) <= PRESET_VALUE_MAX


def resolve_character(ctx: Context, actor: User, request: PortraitRequest) -> ResolvedCharacter:
    """The saved character (the actor's own: anyone else's is *not found*) or the inline one."""
    if request.character_id:
        with ctx.db.read() as session:
            try:
                c = writable_character(session, actor, request.character_id, lock=False)
            except Forbidden as exc:
                raise NotFound("Character not found") from exc
        return ResolvedCharacter(c.id, c.name, c.gender, request.content_rating or c.content_rating,
                                 list(c.appearance_tags), list(c.clothing_tags), c.appearance_details or "")
    return _inline(request.character_data or {}, request.content_rating)


def _inline(data: dict[str, Any], rating: str | None) -> ResolvedCharacter:
    errors: dict[str, str] = {}
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > NAME_MAX:
        errors["characterData.name"] = f"characterData.name is required (at most {NAME_MAX} characters)"
    gender = data.get("gender") or "unspecified"
    if gender not in GENDERS:
        errors["characterData.gender"] = f"characterData.gender must be one of: {', '.join(GENDERS)}"
    tags: dict[str, list[str]] = {}
    for field_name in ("appearance_tags", "clothing_tags"):
        try:
            tags[field_name] = clean_tags(data.get(field_name), field_name)
        except ValueError as exc:
            errors[f"characterData.{field_name}"] = str(exc)
    if errors:
        raise ValidationError(errors)
    details = data.get("appearance_details")
    return ResolvedCharacter(None, str(name).strip(), gender, rating or "nsfw", tags["appearance_tags"],
                             tags["clothing_tags"], details.strip() if isinstance(details, str) else "")
