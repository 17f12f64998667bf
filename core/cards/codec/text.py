"""How studio fields become the prompt text of a card, and back.

Frontends (SillyTavern, RisuAI, Agnai) put ``description``, ``personality``, ``scenario`` and
``mes_example`` into the prompt. The studio has more that shapes how a character plays - a persona,
gender, looks, voice tone, mood, phrases it never says - so an exported ``description`` is the
studio description followed by two headed sections, which any model reads as plain instructions::

    <description>

    ## Persona
    <persona>

    ## Profile
    Gender: female
    Appearance: silver hair, green eyes
    Appearance details: a thin scar through the left brow
    Outfit: red coat
    Voice: warm
    Mood: friendly
    Never says: "as an AI"; "I cannot"

A section is left out when it would be empty. Voice examples become ``mes_example`` in the
``<START>`` block form the frontends read (one block per example). The exact studio values travel in
``extensions.character_studio`` as well, so the studio never has to parse this text back unless
another tool edited it.
"""

from __future__ import annotations

import re
from typing import Any

PERSONA_HEADING = "## Persona"
PROFILE_HEADING = "## Profile"
START = "<START>"
DESCRIPTION_GROUP = ("description", "persona", "gender", "appearance_tags", "appearance_details", "clothing_tags",
                     "voice_tone", "mood", "forbidden_phrases")
_SECTION = re.compile(r"(?m)^(## Persona|## Profile)[ \t]*\n")
_START_LINE = re.compile(r"(?im)^[ \t]*<START>[ \t]*$")


def compose_description(values: dict[str, Any]) -> str:
    """The card ``description`` for the studio values of :data:`DESCRIPTION_GROUP`."""
    parts = [values.get("description") or ""]
    if values.get("persona"):
        parts.append(f"{PERSONA_HEADING}\n{values['persona']}")
    profile = compose_profile(values)
    if profile:
        parts.append(f"{PROFILE_HEADING}\n{profile}")
    return "\n\n".join(part for part in parts if part)


def compose_profile(values: dict[str, Any]) -> str:
    """The ``## Profile`` lines: what the studio knows of the character beyond its prose."""
    lines: list[str] = []
    gender = values.get("gender")
    if gender and gender != "unspecified":
        lines.append(f"Gender: {gender}")
    if values.get("appearance_tags"):
        lines.append("Appearance: " + ", ".join(values["appearance_tags"]))
    if values.get("appearance_details"):
        lines.append("Appearance details: " + " ".join(values["appearance_details"].split()))
    if values.get("clothing_tags"):
        lines.append("Outfit: " + ", ".join(values["clothing_tags"]))
    if values.get("voice_tone"):
        lines.append(f"Voice: {values['voice_tone']}")
    if values.get("mood"):
        lines.append(f"Mood: {values['mood']}")
    if values.get("forbidden_phrases"):
        lines.append("Never says: " + "; ".join(f'"{phrase}"' for phrase in values["forbidden_phrases"]))
    return "\n".join(lines)


def split_description(text: str, known_profile: str) -> tuple[str, str | None]:
    """``(description, persona)`` from a card description another tool may have edited.

    The ``## Persona`` section becomes the persona. A ``## Profile`` section equal to the one the
    studio would write is dropped (the studio writes it again from its own fields); an edited one
    stays in the description as text, so the edit is not lost.
    """
    pieces = _SECTION.split(text)
    description = pieces[0]
    persona: str | None = None
    extra: list[str] = []
    for heading, body in zip(pieces[1::2], pieces[2::2], strict=True):
        body = body.strip("\n")
        if heading == PERSONA_HEADING and persona is None:
            persona = body
        elif heading == PROFILE_HEADING and body == known_profile:
            continue
        else:
            extra.append(f"{heading}\n{body}")
    description = "\n\n".join(part for part in [description.rstrip("\n"), *extra] if part)
    return description, persona or None


def compose_examples(examples: list[str]) -> str:
    """``mes_example``: each voice example as its own ``<START>`` block."""
    return "\n".join(f"{START}\n{example}" for example in examples)


def parse_examples(text: str) -> list[str]:
    """The blocks of a ``mes_example`` (text before the first ``<START>`` is a block too)."""
    blocks = (block.strip() for block in _START_LINE.split(text or ""))
    return [block for block in blocks if block]
