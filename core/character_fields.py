"""A character's editable fields in one place: their names, kinds, allowed values and defaults.

Everything else is built from this module: the table's columns, CHECK constraints and defaults
(:mod:`core.models`), the rules (:mod:`core.character_rules`), the API's request schemas and their
OpenAPI enums (``api/schemas.py``) and the studio form's blank state (``ui/state.py``). A new field or
value starts here.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

GENDERS = ("female", "male", "non-binary", "unspecified")
CONTENT_RATINGS = ("sfw", "nsfw")
VOICE_TONES = ("warm", "playful", "confident", "teasing", "direct")
MOODS = ("friendly", "flirty", "mysterious", "dominant", "submissive")
ROLES = ("ai", "user")  # an AI companion, or the person's own persona

#: Fields with a closed set of values (each a seed CHECK constraint).
ENUMS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType({
    "gender": GENDERS, "content_rating": CONTENT_RATINGS, "voice_tone": VOICE_TONES, "mood": MOODS,
    "role": ROLES,
})
TEXT_FIELDS = ("appearance_details", "traits", "persona", "first_message", "system_prompt")  # optional, None when unset
TAG_FIELDS = ("appearance_tags", "clothing_tags")  # short tags, de-duplicated
LIST_FIELDS = ("alternate_greetings", "forbidden_phrases", "voice_examples")  # lists of longer texts
EDITABLE_FIELDS = (
    "name", "description", *ENUMS, "is_public", *TEXT_FIELDS, *TAG_FIELDS, *LIST_FIELDS, "default_presets",
)

#: What a new character holds before anyone edits it. ``name`` has no stored default (a character is
#: never saved without one); ``""`` is the blank form's. The lists and dicts here are shared: copy them.
DEFAULTS: MappingProxyType[str, Any] = MappingProxyType({
    "name": "",
    "description": "",
    "gender": "female",
    "content_rating": "nsfw",
    "voice_tone": "warm",
    "mood": "friendly",
    "role": "ai",
    "is_public": False,
    **dict.fromkeys(TEXT_FIELDS, None),
    **{field: [] for field in (*TAG_FIELDS, *LIST_FIELDS)},
    "default_presets": {},
})

