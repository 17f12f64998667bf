"""The presets' exact labels, and every rule a custom label must keep, each with its message."""

from __future__ import annotations

import pytest

from core.errors import ValidationError
from core.expressions.labels import LABEL_MAX, MAX_LABELS, PRESETS, preset_labels, validate_labels

ESSENTIAL = ["neutral", "joy", "sadness", "anger", "surprise", "fear", "disgust", "love", "embarrassment",
             "nervousness"]
SILLYTAVERN = ["admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion", "curiosity",
               "desire", "disappointment", "disapproval", "disgust", "embarrassment", "excitement", "fear",
               "gratitude", "grief", "joy", "love", "nervousness", "optimism", "pride", "realization", "relief",
               "remorse", "sadness", "surprise", "neutral"]


def test_presets_are_exactly_the_issue_lists_in_order() -> None:
    assert list(preset_labels("essential")) == ESSENTIAL
    assert list(preset_labels("sillytavern")) == SILLYTAVERN
    assert len(SILLYTAVERN) == 28 == len(set(SILLYTAVERN))
    assert PRESETS["essential"].title == "Essential"
    assert PRESETS["sillytavern"].title == "SillyTavern full"


def test_unknown_preset_is_refused_naming_the_allowed_ones() -> None:
    with pytest.raises(ValidationError) as err:
        preset_labels("everything")
    assert err.value.errors == {"preset": "Unknown preset 'everything' (allowed: essential, sillytavern)"}


def test_valid_custom_labels_keep_their_order_and_lose_surrounding_spaces() -> None:
    assert validate_labels(["smug", " sleepy_2 ", "half-smile", "a" * LABEL_MAX]) == (
        "smug", "sleepy_2", "half-smile", "a" * LABEL_MAX)
    assert validate_labels(SILLYTAVERN) == tuple(SILLYTAVERN)


@pytest.mark.parametrize(("labels", "message"), [
    ([], "Give at least one label"),
    ("joy", "Labels must be a list of names"),
    (["joy", "Smug"], "Label 'Smug' may only hold lowercase letters, digits, '-' and '_'"),
    (["very happy"], "Label 'very happy' may only hold lowercase letters, digits, '-' and '_'"),
    (["joy!"], "Label 'joy!' may only hold lowercase letters, digits, '-' and '_'"),
    (["joyé"], "Label 'joyé' may only hold lowercase letters, digits, '-' and '_'"),
    (["a" * (LABEL_MAX + 1)], f"Label '{'a' * (LABEL_MAX + 1)}' is longer than {LABEL_MAX} characters (41)"),
    (["joy", "anger", "joy"], "Label 'joy' is given twice"),
    (["joy", " "], "A label is empty"),
    ([7], "Label 7 must be text"),
    (["-joy"], "Label '-joy' must start with a letter or a digit"),
    (["joy-1"], "Label 'joy-1' must not end in '-<number>': SillyTavern reads that as an alternative image "
                "of another label"),
    ([f"l{i}" for i in range(MAX_LABELS + 1)], f"At most {MAX_LABELS} labels (got {MAX_LABELS + 1})"),
])
def test_each_broken_rule_is_a_validation_error_naming_the_label(labels: object, message: str) -> None:
    with pytest.raises(ValidationError) as err:
        validate_labels(labels)  # type: ignore[arg-type]
    assert err.value.errors == {"labels": message}
    assert err.value.message == message


def test_the_maximum_count_itself_is_allowed() -> None:
    assert len(validate_labels([f"l{i}" for i in range(MAX_LABELS)])) == MAX_LABELS
