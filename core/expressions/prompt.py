"""The expression prompt: the portrait prompt's own rules, with the expression and a fixed framing.

Built with :func:`core.generation.prompt.build_prompt`, so quality tags, the gender tag, the
appearance and outfit tags, the identity phrase and the enhancers follow exactly the portrait rules.
The expression goes in the ``expression`` slot and the framing in the ``camera`` slot; the framing
never varies, so every sprite of a set lines up. The rating rule is the portrait one: an ``sfw``
character turns the provider's safety checker on (as ``core.generation.service`` does), and gets the
vocabulary's safe wording where it has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.errors import ValidationError
from core.expressions.labels import validate_label
from core.expressions.vocabulary import describe
from core.generation.inputs import ResolvedCharacter
from core.generation.prompt import build_prompt

Background = Literal["transparent", "plain"]
BACKGROUNDS: tuple[str, ...] = ("transparent", "plain")
FRAMING = "head and shoulders portrait, facing the viewer"
BACKGROUND_PHRASES: dict[str, str] = {
    "plain": "plain solid colour background",
    "transparent": "plain background, isolated subject, transparent background",
}


@dataclass(frozen=True)
class ExpressionPrompt:
    """What a provider needs besides the face: the text, the safety-checker flag, the background asked for."""

    label: str
    prompt: str
    enable_safety_checker: bool
    background: str


def build_expression_prompt(character: ResolvedCharacter, label: str,
                            background: str = "plain") -> ExpressionPrompt:
    """The prompt for one label of the character's set; deterministic, so a rerun asks for the same image.

    Always image-to-image from the set's face, hence always the identity phrase.
    """
    label = validate_label(label)
    if background not in BACKGROUNDS:
        raise ValidationError({"background": f"Background must be one of: {', '.join(BACKGROUNDS)} "
                                             f"(got {background!r})"})
    sfw = character.content_rating == "sfw"
    presets = {"expression": describe(label, sfw=sfw), "camera": framing(background)}
    prompt = build_prompt(gender=character.gender, appearance_tags=character.appearance_tags,
                          clothing_tags=character.clothing_tags, appearance_details=character.appearance_details,
                          presets=presets, i2i=True)
    return ExpressionPrompt(label=label, prompt=prompt, enable_safety_checker=sfw, background=background)


def framing(background: str) -> str:
    """The fixed framing with the chosen background phrase: the only part the background changes."""
    return f"{FRAMING}, {BACKGROUND_PHRASES[background]}"
