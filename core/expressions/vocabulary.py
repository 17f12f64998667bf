"""What each expression looks like, from one data file: ``core/seed_data/expressions.json``.

Kept as package data so the wording can be tuned without touching code, and so the prompt, the
offline renderer and any later UI read the same words.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

DATA_FILE = "expressions.json"


@lru_cache(maxsize=1)
def expression_data() -> dict[str, Any]:
    """The shipped file, read once."""
    text = resources.files("core").joinpath("seed_data", DATA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def known_labels() -> frozenset[str]:
    """The labels the vocabulary describes."""
    return frozenset(expression_data()["expressions"])


def describe(label: str, *, sfw: bool = False) -> str:
    """The label's description; its safe-for-work wording when ``sfw`` and one exists.

    A custom label the file does not know gets a neutral phrasing built from its own words, so any
    valid label makes a usable prompt.
    """
    data = expression_data()
    if sfw and label in data.get("sfw", {}):
        return str(data["sfw"][label])
    known = data["expressions"].get(label)
    if known is not None:
        return str(known)
    words = " ".join(label.replace("-", " ").replace("_", " ").split())
    return f"an expression of {words}"
