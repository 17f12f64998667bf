"""The expression prompt: the character's tags, the identity phrase, the expression, the fixed framing,
the background phrase, and the portrait rating rule."""

from __future__ import annotations

import pytest

from core.errors import ValidationError
from core.expressions.prompt import BACKGROUND_PHRASES, FRAMING, build_expression_prompt
from core.expressions.vocabulary import describe
from core.generation.inputs import ResolvedCharacter
from core.generation.prompt import IDENTITY_PHRASE, QUALITY_ENHANCERS, QUALITY_TAGS


def _character(rating: str = "nsfw") -> ResolvedCharacter:
    return ResolvedCharacter(id="c1", name="Mira", gender="female", content_rating=rating,
                             appearance_tags=["silver hair", "amber eyes"], clothing_tags=["red scarf", "leather coat"],
                             appearance_details="a thin scar over the left brow")


def test_prompt_holds_tags_identity_expression_and_framing_in_portrait_order() -> None:
    prompt = build_expression_prompt(_character(), "grief").prompt
    assert prompt.startswith(QUALITY_TAGS + ", 1girl, beautiful woman, silver hair, amber eyes, ")
    assert "a thin scar over the left brow" in prompt
    assert "wearing red scarf, leather coat" in prompt
    expression = "tear-streaked face, head bowed, trembling lips"
    assert prompt.index("wearing red scarf") < prompt.index(expression) < prompt.index(FRAMING) \
        < prompt.index(IDENTITY_PHRASE)
    assert prompt.endswith(QUALITY_ENHANCERS)


def test_framing_is_the_same_for_every_label_and_only_the_expression_changes() -> None:
    joy = build_expression_prompt(_character(), "joy").prompt
    anger = build_expression_prompt(_character(), "anger").prompt
    assert "head and shoulders portrait, facing the viewer, plain solid colour background" in joy
    assert joy.replace(describe("joy"), "X") == anger.replace(describe("anger"), "X")
    assert build_expression_prompt(_character(), "joy").prompt == joy


def test_a_custom_label_uses_the_neutral_phrasing() -> None:
    assert "an expression of quietly smug" in build_expression_prompt(_character(), "quietly_smug").prompt


def test_background_changes_only_the_background_phrase() -> None:
    plain = build_expression_prompt(_character(), "joy", "plain")
    transparent = build_expression_prompt(_character(), "joy", "transparent")
    assert (plain.background, transparent.background) == ("plain", "transparent")
    assert BACKGROUND_PHRASES["transparent"] in transparent.prompt
    assert BACKGROUND_PHRASES["plain"] not in transparent.prompt
    assert transparent.prompt.replace(BACKGROUND_PHRASES["transparent"], "B") \
        == plain.prompt.replace(BACKGROUND_PHRASES["plain"], "B")


def test_unknown_background_and_bad_label_are_refused() -> None:
    with pytest.raises(ValidationError) as err:
        build_expression_prompt(_character(), "joy", "checkerboard")
    assert err.value.errors == {"background": "Background must be one of: transparent, plain (got 'checkerboard')"}
    with pytest.raises(ValidationError, match="Label 'Joy' may only hold"):
        build_expression_prompt(_character(), "Joy")


def test_sfw_character_gets_the_safety_checker_and_safe_wording() -> None:
    sfw = build_expression_prompt(_character("sfw"), "desire")
    nsfw = build_expression_prompt(_character("nsfw"), "desire")
    assert sfw.enable_safety_checker is True and nsfw.enable_safety_checker is False
    assert describe("desire", sfw=True) in sfw.prompt
    assert describe("desire") not in sfw.prompt and describe("desire") in nsfw.prompt
    assert build_expression_prompt(_character("sfw"), "joy").enable_safety_checker is True
