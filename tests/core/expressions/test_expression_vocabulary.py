"""The vocabulary file loads, describes every preset label, and phrases unknown labels neutrally."""

from __future__ import annotations

import json
from importlib import resources

from core.expressions.labels import PRESETS
from core.expressions.vocabulary import describe, known_labels


def test_the_json_file_is_package_data_and_loads() -> None:
    text = resources.files("core").joinpath("seed_data", "expressions.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert all(isinstance(v, str) and v.strip() for v in data["expressions"].values())
    assert set(data["sfw"]) <= set(data["expressions"])


def test_every_preset_label_has_its_own_entry() -> None:
    for preset in PRESETS.values():
        missing = [label for label in preset.labels if label not in known_labels()]
        assert missing == [], f"{preset.title} labels without a vocabulary entry: {missing}"
        for label in preset.labels:
            assert not describe(label).startswith("an expression of")


def test_entries_come_from_the_file() -> None:
    assert describe("grief") == "tear-streaked face, head bowed, trembling lips"


def test_a_custom_label_without_an_entry_gets_a_neutral_phrasing() -> None:
    assert describe("smug") == "an expression of smug"
    assert describe("half-smile_shy") == "an expression of half smile shy"


def test_sfw_wording_replaces_only_where_the_file_has_one() -> None:
    assert describe("desire", sfw=True) != describe("desire")
    assert describe("joy", sfw=True) == describe("joy")
