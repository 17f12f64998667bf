"""The studio's word lists: which tag words describe a body and which an outfit.

Shared by the suggester (sorting and proposing tags) and the offline renderer (colours and looks from
tags), so neither package has to import the other. The lists are package data in
``core/seed_data/vocabulary.json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

Category = Literal["physical", "clothing"]
TOKEN = re.compile(r"[a-z][a-z'-]*")


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Any]:
    """The shipped word lists (read once; the file is package data so it travels with the wheel)."""
    text = resources.files("core").joinpath("seed_data", "vocabulary.json").read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _keywords() -> tuple[frozenset[str], frozenset[str]]:
    vocab = vocabulary()
    return frozenset(vocab["physical_keywords"]), frozenset(vocab["clothing_keywords"])


def categorize_tag(tag: str) -> Category | None:
    """Physical or clothing by the tag's last categorised word (its head noun), or None when no word is known.

    The head noun decides because English puts it last: "hair ribbon" is a ribbon (clothing),
    "sleeve tattoo" a tattoo (physical), "short skirt" a skirt, "short hair" hair.
    """
    physical, clothing = _keywords()
    for token in reversed(TOKEN.findall(tag.lower())):
        for word in (token, *reversed(token.split("-"))):
            for form in (word, word[:-1] if word.endswith("s") else "", word[:-2] if word.endswith("es") else ""):
                if not form:
                    continue
                if form in clothing:
                    return "clothing"
                if form in physical:
                    return "physical"
    return None


def categorize_tags(tags: Iterable[str], default: Category = "physical") -> tuple[list[str], list[str]]:
    """Split tags into (physical, clothing); tags with no known keyword go to ``default``."""
    physical: list[str] = []
    clothing: list[str] = []
    for tag in tags:
        category = categorize_tag(tag) or default
        (clothing if category == "clothing" else physical).append(tag)
    return physical, clothing
