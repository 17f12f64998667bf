"""Character templates: the "Start from Template" dialog's cards and what picking one does to a character.

Templates are shared, read-only rows (seeded at first start, editable by an admin in the database).
Every function takes the acting user so per-user templates can be added later without changing a
caller; today every signed-in user sees the same active templates.

A template's ``template_data`` holds values for a subset of the character's editable fields
(``TEMPLATE_FIELDS``). ``validate_template_data`` checks them against the same enums and limits the
database and the character form enforce, so a broken seed file fails at start-up instead of when a
person applies it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from sqlmodel import col, select

from core.db import Database
from core.errors import NotFound, ValidationError
from core.models import CONTENT_RATINGS, GENDERS, MOODS, VOICE_TONES, CharacterTemplate, User

# The character fields a template may fill. Name, visibility, role and images are never part of a
# template: the template is a starting point for *a* character, not an identity.
TEMPLATE_FIELDS: tuple[str, ...] = (
    "description",
    "gender",
    "content_rating",
    "traits",
    "persona",
    "appearance_tags",
    "clothing_tags",
    "voice_tone",
    "mood",
    "first_message",
    "system_prompt",
    "alternate_greetings",
    "forbidden_phrases",
    "voice_examples",
    "default_presets",
)

_ENUMS: dict[str, tuple[str, ...]] = {
    "gender": GENDERS,
    "content_rating": CONTENT_RATINGS,
    "voice_tone": VOICE_TONES,
    "mood": MOODS,
}
_TEXT_FIELDS = ("traits", "persona", "first_message", "system_prompt")
# list field -> (max items, max chars per item); the tag bounds match the prompt builder's limits.
_LIST_LIMITS: dict[str, tuple[int, int]] = {
    "appearance_tags": (8, 40),
    "clothing_tags": (4, 40),
    "alternate_greetings": (5, 2000),
    "forbidden_phrases": (50, 200),
    "voice_examples": (20, 2000),
}
DESCRIPTION_MIN = 50
DESCRIPTION_MAX = 500
TEXT_MAX = 4000


def validate_template_data(data: Mapping[str, Any]) -> None:
    """Raise ``ValidationError`` (field -> problem) unless ``data`` is a valid set of template values.

    Unknown keys are errors too: a typo in a seed file would otherwise be silently ignored.
    """
    errors: dict[str, str] = {}
    for key in data:
        if key not in TEMPLATE_FIELDS:
            errors[key] = f"'{key}' is not a field a template can fill"
    for field, allowed in _ENUMS.items():
        if field in data and data[field] not in allowed:
            errors[field] = f"{field} must be one of {', '.join(allowed)}, not {data[field]!r}"
    if "description" in data:
        desc = data["description"]
        if not isinstance(desc, str) or not DESCRIPTION_MIN <= len(desc.strip()) <= DESCRIPTION_MAX:
            errors["description"] = f"description must be {DESCRIPTION_MIN}-{DESCRIPTION_MAX} characters"
    for field in _TEXT_FIELDS:
        value = data.get(field)
        if field in data and value is not None and (not isinstance(value, str) or len(value) > TEXT_MAX):
            errors[field] = f"{field} must be text of at most {TEXT_MAX} characters"
    for field, (max_items, max_len) in _LIST_LIMITS.items():
        if field in data:
            problem = _list_problem(data[field], max_items, max_len)
            if problem:
                errors[field] = f"{field} {problem}"
    if "default_presets" in data and not isinstance(data["default_presets"], dict):
        errors["default_presets"] = "default_presets must be an object"
    if errors:
        raise ValidationError(errors)


def _list_problem(value: Any, max_items: int, max_len: int) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return "must be a list of text"
    if len(value) > max_items:
        return f"may hold at most {max_items} items, got {len(value)}"
    if any(not v.strip() for v in value):
        return "may not contain empty items"
    too_long = [v for v in value if len(v) > max_len]
    if too_long:
        return f"items must be at most {max_len} characters: {too_long[0]!r} is {len(too_long[0])}"
    lowered = [v.strip().lower() for v in value]
    if len(set(lowered)) != len(lowered):
        return "may not contain duplicates"
    return None


def list_templates(db: Database, actor: User) -> list[CharacterTemplate]:
    """The active templates in the order the selector shows them (``sort_order``, then name)."""
    del actor  # all templates are shared today; the parameter keeps call sites stable
    with db.read() as session:
        stmt = (
            select(CharacterTemplate)
            .where(col(CharacterTemplate.is_active).is_(True))
            .order_by(col(CharacterTemplate.sort_order), col(CharacterTemplate.name))
        )
        return list(session.exec(stmt).all())


def get_template(db: Database, actor: User, template_id: str) -> CharacterTemplate:
    """One active template by id or slug; a missing or deactivated one is ``NotFound``."""
    del actor
    with db.read() as session:
        template = session.get(CharacterTemplate, template_id)
        if template is None:
            stmt = select(CharacterTemplate).where(CharacterTemplate.slug == template_id)
            template = session.exec(stmt).first()
    if template is None or not template.is_active:
        raise NotFound("Template not found")
    return template


def template_fields(template: CharacterTemplate) -> dict[str, Any]:
    """The character field values ``template`` fills: only ``TEMPLATE_FIELDS``, lists/dicts deep-copied.

    Copies, so a caller editing the result (a page's form state) never mutates the template row.
    Unknown keys in a hand-edited row are ignored rather than leaking into a character.
    """
    data = template.template_data or {}
    return {field: copy.deepcopy(data[field]) for field in TEMPLATE_FIELDS if field in data}


def apply_template(current: Mapping[str, Any], template: CharacterTemplate) -> dict[str, Any]:
    """Return ``current`` with the template's fields applied; ``current`` itself is not changed.

    The template *overwrites* every field it sets, even a non-empty one, because picking a template
    in the selector means "make this character that" (the seed's selector applies the template's data
    to the character). Fields the template does not set, and the name, id and version, are kept.
    """
    result = dict(current)
    result.update(template_fields(template))
    return result
