"""The portrait prompt, built by the seed's rules in the seed's order. Pure and deterministic.

1. quality tags; 2. the gender tag; 3. up to 8 appearance tags, then the appearance details (the
character's looks in prose, cut at 200 characters; not in the seed, left out when empty); 4. up to 4
clothing tags as "wearing ..."; 5. presets pose, expression, outfit, camera; 6. the user's prompt (cut
at 200 characters, as the seed does: the API refuses longer input before it gets here); 7. the
identity phrase when a reference image is used; 8. the quality enhancers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

QUALITY_TAGS = "masterpiece, best quality, photorealistic"
GENDER_TAGS = {"female": "1girl, beautiful woman", "male": "1boy, handsome man"}
OTHER_GENDER_TAG = "1person, portrait"
MAX_APPEARANCE_TAGS = 8
MAX_CLOTHING_TAGS = 4
PRESET_ORDER = ("pose", "expression", "outfit", "camera")
MAX_USER_PROMPT = 200
MAX_APPEARANCE_DETAILS = 200
IDENTITY_PHRASE = "maintain same character identity, consistent features"
QUALITY_ENHANCERS = "studio photography, professional lighting, sharp focus, detailed face"


def build_prompt(*, gender: str | None, appearance_tags: Sequence[str] = (), clothing_tags: Sequence[str] = (),
                 presets: Mapping[str, str | None] | None = None, user_prompt: str | None = None,
                 i2i: bool = False, appearance_details: str | None = None) -> str:
    """Join the parts with ", " in the seed's order; empty parts are left out."""
    parts: list[str] = [QUALITY_TAGS, gender_tag(gender)]
    parts.extend(_clean(appearance_tags)[:MAX_APPEARANCE_TAGS])
    details = " ".join((appearance_details or "").split())
    if details:
        parts.append(details[:MAX_APPEARANCE_DETAILS].rstrip(" ,."))
    clothing = _clean(clothing_tags)[:MAX_CLOTHING_TAGS]
    if clothing:
        parts.append("wearing " + ", ".join(clothing))
    for key in PRESET_ORDER:
        value = ((presets or {}).get(key) or "").strip()
        if value:
            parts.append(value)
    if user_prompt and user_prompt.strip():
        parts.append(user_prompt.strip()[:MAX_USER_PROMPT])
    if i2i:
        parts.append(IDENTITY_PHRASE)
    parts.append(QUALITY_ENHANCERS)
    return ", ".join(parts)


def gender_tag(gender: str | None) -> str:
    return GENDER_TAGS.get(gender or "", OTHER_GENDER_TAG)


def _clean(tags: Sequence[str]) -> list[str]:
    return [t.strip() for t in tags if isinstance(t, str) and t.strip()]
