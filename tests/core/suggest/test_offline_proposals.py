"""The offline suggester as a proposer (issue 14.2): what it says once, how it names the character,
which tags it adds beside the person's, and another suggestion on "Try again"."""

from __future__ import annotations

import re

import pytest

from core.character_rules import TAG_MAX_COUNT, validate_changes
from core.suggest import SUGGEST_FIELDS, offline_values, suggest
from core.suggest.service import build_messages
from core.suggest.tags import merge_tags, near_duplicate, tags_to_add
from core.vocabulary import vocabulary

MIRA = {
    "name": "Mira", "gender": "female", "mood": "flirty", "voice_tone": "teasing", "content_rating": "sfw",
    "description": "A barista with long red hair and green eyes who collects old maps and older secrets.",
    "traits": "bookish, sarcastic",
}
CHARACTERS = [MIRA, {}, {"gender": "male", "mood": "dominant"},
              {"name": "Kai", "gender": "other", "mood": "mysterious"}]


def _phrases(text: str) -> set[str]:
    return {p.strip().lower() for p in re.split(r"[.,;:\n]| and ", text) if len(p.strip()) > 3}


@pytest.mark.parametrize("character", CHARACTERS)
def test_description_and_persona_say_nothing_twice(character: dict[str, str]) -> None:
    values = offline_values(character, "all")
    description, persona = values["description"], values["persona"]
    listed = re.split(r" (?:is|are) ", persona.splitlines()[0], maxsplit=1)[1].rstrip(".")
    traits = listed.replace(" and ", ", ").split(",")
    assert not any(t.strip() in description for t in traits)  # the persona's traits are its own
    assert _phrases(description) & _phrases(persona) == set()
    likes = [like for like in vocabulary()["likes"] if like in description]
    assert likes and not any(like in persona for like in likes)  # the favourite is not a "like" again


@pytest.mark.parametrize("character", CHARACTERS)
def test_nameless_characters_are_she_he_or_they_never_this_character(character: dict[str, str]) -> None:
    for variant in range(3):
        values = offline_values({**character, "name": ""}, "all", variant=variant)
        text = " ".join(str(v) for v in values.values())
        assert "This character" not in text and "this character" not in text
        lead = {"female": "She is", "male": "He is"}.get(character.get("gender", ""), "They are")
        assert values["description"].startswith(lead) and values["persona"].startswith(lead)


def test_the_description_reads_after_with() -> None:
    """"with tall and graceful" is not English; only noun phrases follow "with"."""
    for variant in range(12):
        for character in CHARACTERS:
            first = offline_values(character, "description", variant=variant)["description"].split(".")[0]
            assert " and graceful" not in first and "with tall" not in first and "with petite." not in first


def test_uses_the_name_in_every_text_field() -> None:
    values = offline_values(MIRA, "all")
    for field in ("description", "persona", "first_message"):
        assert "Mira" in values[field]


@pytest.mark.parametrize("field", SUGGEST_FIELDS)
def test_another_variant_is_another_suggestion_and_each_is_deterministic(field: str) -> None:
    first, again = offline_values(MIRA, field), offline_values(MIRA, field, variant=1)
    assert again != first
    assert offline_values(dict(MIRA), field, variant=1) == again
    assert validate_changes(dict(again), strict_description=field == "description") == again


async def test_suggest_passes_the_variant_to_the_offline_suggester_and_the_model_prompt() -> None:
    assert (await suggest(MIRA, "persona", chat=None, variant=2)).values == offline_values(MIRA, "persona", variant=2)
    assert "different from your previous suggestion" in build_messages(MIRA, "persona", 1)[1]["content"]
    assert "different from your previous" not in build_messages(MIRA, "persona")[1]["content"]


def test_suggested_tags_never_near_duplicate_own_ones_in_either_list() -> None:
    own = {"appearance_tags": ["messy chestnut hair", "hazel eyes"], "clothing_tags": ["red dress", "round glasses"]}
    for variant in range(8):
        tags = offline_values({**MIRA, **own}, "appearance", variant=variant)
        mine = own["appearance_tags"] + own["clothing_tags"]
        added = [t for t in tags["appearance_tags"] + tags["clothing_tags"] if t not in mine]
        assert added
        for tag in added:
            assert not near_duplicate(tag, own["appearance_tags"] + own["clothing_tags"]), tag
        assert all("glasses" not in t for t in tags["clothing_tags"])  # glasses are looks, not outfit
        assert "round glasses" in tags["appearance_tags"]


@pytest.mark.parametrize(("tag", "existing", "expected"), [
    ("chestnut hair", ["messy chestnut hair"], True), ("messy chestnut hair", ["chestnut hair"], True),
    ("green eyes", ["hazel eyes"], True), ("red sundress", ["red dress"], True),
    ("leather jacket", ["denim jacket"], True), ("Chestnut  Hair", ["chestnut hair"], True),
    ("freckles", ["messy chestnut hair"], False), ("thin gold necklace", ["black lace dress"], False),
    ("hoop earrings", ["silver rings"], False), ("leather boots", ["leather jacket"], False),
])
def test_near_duplicate(tag: str, existing: list[str], expected: bool) -> None:
    assert near_duplicate(tag, existing) is expected


def test_tags_to_add_leave_out_repeats_tags_of_the_other_list_and_what_does_not_fit() -> None:
    assert tags_to_add(["messy chestnut hair"], ["chestnut hair", "freckles", "Freckles", "round glasses"],
                       elsewhere=["round glasses"]) == ["freckles"]
    full = [f"tag {i}" for i in range(TAG_MAX_COUNT - 1)]
    assert tags_to_add(full, ["freckles", "dimples"]) == ["freckles"]
    assert tags_to_add([], ["x" * 41, "  soft   smile "]) == ["soft smile"]
    assert merge_tags(["hazel eyes"], ["green eyes", "dimples"]) == ["hazel eyes", "dimples"]
