"""The label presets and the rules for custom labels.

A label names a sprite file (``<label>.png``) in SillyTavern and an ``emotion`` asset in a V3 card,
so the rules keep it a safe, unambiguous file name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from core.errors import ValidationError

LABEL_MAX = 40
MAX_LABELS = 64
LABEL_PATTERN = re.compile(r"[a-z0-9_-]+")
# SillyTavern names alternatives "<label>-1.png"; a label shaped like that would read as one.
ALTERNATIVE_SUFFIX = re.compile(r"-[0-9]+$")
FIELD = "labels"

ESSENTIAL = ("neutral", "joy", "sadness", "anger", "surprise", "fear", "disgust", "love", "embarrassment",
             "nervousness")
SILLYTAVERN = ("admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion", "curiosity",
               "desire", "disappointment", "disapproval", "disgust", "embarrassment", "excitement", "fear",
               "gratitude", "grief", "joy", "love", "nervousness", "optimism", "pride", "realization", "relief",
               "remorse", "sadness", "surprise", "neutral")


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    labels: tuple[str, ...]


PRESETS: dict[str, Preset] = {
    "essential": Preset("essential", "Essential", ESSENTIAL),
    "sillytavern": Preset("sillytavern", "SillyTavern full", SILLYTAVERN),
}


def preset_labels(key: str) -> tuple[str, ...]:
    """A preset's labels by its API key (``essential``, ``sillytavern``); unknown keys are a ValidationError."""
    preset = PRESETS.get(key)
    if preset is None:
        raise ValidationError({"preset": f"Unknown preset {key!r} (allowed: {', '.join(PRESETS)})"})
    return preset.labels


def validate_labels(labels: Sequence[object]) -> tuple[str, ...]:
    """The custom labels, in the given order, or a ValidationError naming the first label that breaks a rule.

    Surrounding spaces are forgiven (they come from typing); anything else is refused rather than
    silently changed, so the file names are exactly what the person asked for.
    """
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        raise ValidationError({FIELD: "Labels must be a list of names"})
    if not labels:
        raise ValidationError({FIELD: "Give at least one label"})
    if len(labels) > MAX_LABELS:
        raise ValidationError({FIELD: f"At most {MAX_LABELS} labels (got {len(labels)})"})
    seen: set[str] = set()
    cleaned: list[str] = []
    for raw in labels:
        label = validate_label(raw)
        if label in seen:
            raise ValidationError({FIELD: f"Label {label!r} is given twice"})
        seen.add(label)
        cleaned.append(label)
    return tuple(cleaned)


def validate_label(raw: object) -> str:
    """One label, stripped, or a ValidationError that names it and says which rule it breaks."""
    if not isinstance(raw, str):
        raise ValidationError({FIELD: f"Label {raw!r} must be text"})
    label = raw.strip()
    if not label:
        raise ValidationError({FIELD: "A label is empty"})
    if len(label) > LABEL_MAX:
        raise ValidationError({FIELD: f"Label {label!r} is longer than {LABEL_MAX} characters ({len(label)})"})
    if not LABEL_PATTERN.fullmatch(label):
        raise ValidationError({FIELD: f"Label {label!r} may only hold lowercase letters, digits, '-' and '_'"})
    if not label[0].isalnum():
        raise ValidationError({FIELD: f"Label {label!r} must start with a letter or a digit"})
    if ALTERNATIVE_SUFFIX.search(label):
        raise ValidationError({FIELD: f"Label {label!r} must not end in '-<number>': SillyTavern reads that "
                                      f"as an alternative image of another label"})
    return label
