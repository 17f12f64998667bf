"""Validation of character fields: one place that says what a valid character is.

Every rule raises :class:`core.errors.ValidationError` naming the field and the limit; nothing is cut
silently. Tags are trimmed and de-duplicated case-insensitively (the first spelling wins), because
"Red hair" and "red hair " are the same tag to a person. The fields themselves (names, kinds, allowed
values) are :mod:`core.character_fields`; ``EDITABLE_FIELDS`` and ``ENUMS`` are importable from here too.
"""

from __future__ import annotations

from typing import Any

from core.character_fields import EDITABLE_FIELDS, ENUMS, LIST_FIELDS, TAG_FIELDS, TEXT_FIELDS
from core.errors import ValidationError

NAME_MAX = 50
LONG_TEXT_MAX = 20_000
#: One maximum for a description everywhere (studio, create form, API, card import): long enough for
#: the cards other tools write, so a description saved in one place is never refused in another.
DESCRIPTION_MAX = LONG_TEXT_MAX
#: The create form's minimum (``strict_description``): a draft saves at any length, the form finishes
#: a character and asks for a real description. The pages say so next to the counter.
DESCRIPTION_MIN = 50
#: The length suggesters aim for (a few sentences), not a limit on what a person may write.
SUGGESTED_DESCRIPTION_MAX = 500
DESCRIPTION_MAX_FORM = SUGGESTED_DESCRIPTION_MAX  # the old name, still imported by core/suggest
TAG_MAX_LEN, TAG_MAX_COUNT = 40, 24
LIST_LIMITS: dict[str, tuple[int, int]] = {  # field -> (max items, max chars per item)
    "alternate_greetings": (20, 5_000),
    "forbidden_phrases": (50, 200),
    "voice_examples": (20, 2_000),
}
PRESET_KEYS = ("pose", "expression", "outfit", "camera")
PRESET_VALUE_MAX = 200


def validate_changes(changes: dict[str, Any], *, strict_description: bool = False,
                     creating: bool = False) -> dict[str, Any]:
    """Cleaned values for the given fields, or one ValidationError listing every bad field.

    The maxima are the same for every caller. ``strict_description`` adds the create form's minimum
    (:data:`DESCRIPTION_MIN`); without it a half-written description (a draft) still saves.
    """
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError({name: f"'{name}' is not an editable field" for name in unknown})
    if creating and "name" not in changes:
        changes = {**changes, "name": ""}
    if strict_description and "description" not in changes:
        changes = {**changes, "description": ""}
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, value in changes.items():
        try:
            cleaned[field] = _clean(field, value, strict_description)
        except ValueError as exc:
            errors[field] = str(exc)
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_tags(value: Any, field: str = "tags") -> list[str]:
    """Trimmed, de-duplicated tags; a clear error for too many or too long, never a silent cut."""
    items = _string_list(value, field)
    result: list[str] = []
    seen: set[str] = set()
    for raw in items:
        tag = " ".join(raw.split())
        if not tag:
            continue
        if len(tag) > TAG_MAX_LEN:
            raise ValueError(f"Tag '{tag[:20]}…' is longer than {TAG_MAX_LEN} characters")
        if tag.casefold() in seen:
            continue
        seen.add(tag.casefold())
        result.append(tag)
    if len(result) > TAG_MAX_COUNT:
        raise ValueError(f"At most {TAG_MAX_COUNT} tags are allowed (got {len(result)})")
    return result


def _clean(field: str, value: Any, strict_description: bool) -> Any:
    if field == "name":
        return _clean_name(value)
    if field == "description":
        return _clean_description(value, strict_description)
    if field in ENUMS:
        if value not in ENUMS[field]:
            raise ValueError(f"{_label(field)} must be one of: {', '.join(ENUMS[field])}")
        return value
    if field == "is_public":
        if not isinstance(value, bool):
            raise ValueError("Public must be true or false")
        return value
    if field in TEXT_FIELDS:
        return _clean_text(field, value)
    if field in TAG_FIELDS:
        return clean_tags(value, field)
    if field in LIST_FIELDS:
        return _clean_list(field, value)
    return _clean_presets(value)


def _clean_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("Name is required")
    name = value.strip()
    if len(name) > NAME_MAX:
        raise ValueError(f"Name must be at most {NAME_MAX} characters (got {len(name)})")
    return name


def _clean_description(value: Any, strict: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValueError("Description must be text")
    text = value.strip()
    if strict and len(text) < DESCRIPTION_MIN:
        raise ValueError(f"Description must be at least {DESCRIPTION_MIN} characters (got {len(text)})")
    if len(text) > DESCRIPTION_MAX:
        raise ValueError(f"Description must be at most {DESCRIPTION_MAX:,} characters (got {len(text):,})")
    return text


def _clean_text(field: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{_label(field)} must be text")
    if len(value) > LONG_TEXT_MAX:
        raise ValueError(f"{_label(field)} must be at most {LONG_TEXT_MAX} characters")
    return value


def _clean_list(field: str, value: Any) -> list[str]:
    max_items, max_len = LIST_LIMITS[field]
    items = [item.strip() for item in _string_list(value, field)]
    items = [item for item in items if item]
    if len(items) > max_items:
        raise ValueError(f"{_label(field)}: at most {max_items} entries are allowed (got {len(items)})")
    for item in items:
        if len(item) > max_len:
            raise ValueError(f"{_label(field)}: each entry must be at most {max_len} characters")
    return items


def _clean_presets(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("Default presets must be an object")
    unknown = sorted(set(value) - set(PRESET_KEYS))
    if unknown:
        raise ValueError(f"Unknown preset keys: {', '.join(unknown)} (allowed: {', '.join(PRESET_KEYS)})")
    cleaned: dict[str, str] = {}
    for key, item in value.items():
        if item in (None, ""):
            continue
        if not isinstance(item, str) or len(item) > PRESET_VALUE_MAX:
            raise ValueError(f"Preset '{key}' must be text of at most {PRESET_VALUE_MAX} characters")
        cleaned[key] = item.strip()
    return cleaned


def _string_list(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{_label(field)} must be a list of strings")
    return list(value)


def _label(field: str) -> str:
    return field.replace("_", " ").capitalize()
