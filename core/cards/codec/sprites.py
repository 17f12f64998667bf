"""A card's expression sprites as the plan of an expression set.

Two ways a card carries sprites, both read here:

* V3 ``emotion`` assets (``name`` is the emotion) - what RisuAI writes and the studio exports;
* RisuAI's ``extensions.risuai.emotions``: ``[name, uri]`` pairs, in V2 cards and older RisuAI files.

A name becomes a label the way SillyTavern reads a sprite's file name: lower-cased, spaces as ``-``,
and ``joy-1`` is an alternative image of ``joy``. The first image of a label is its chosen one. The
studio's own extension lists every label of the exported set, so labels that had no image yet come
back too (empty). Nothing here stores anything: the importer gates and stores the images.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from core.cards.codec.reader import CardFile
from core.errors import ValidationError
from core.expressions.labels import ALTERNATIVE_SUFFIX, LABEL_MAX, MAX_LABELS, validate_label

RISU_EXTENSION = "risuai"
EMOTION_ASSET_TYPE = "emotion"
_UNWANTED = re.compile(r"[^a-z0-9_-]+")


@dataclass
class SpritePlan:
    """One label's images as the card has them, the chosen one first."""

    label: str
    images: list[bytes] = field(default_factory=list)


def plan_sprites(card_file: CardFile, studio_ext: dict[str, Any] | None, used: set[str], claimed: set[str],
                 warnings: list[str]) -> tuple[list[SpritePlan], list[str]]:
    """The sprites (labels with images, in card order) and every label of the set.

    ``used`` collects the URIs imported (so the card data does not keep them as unknown assets);
    URIs in ``claimed`` belong to something else the studio restored and are not read again.
    """
    sprites: dict[str, SpritePlan] = {}
    seen_uris: set[str] = set()
    for name, uri in _entries(card_file):
        if uri in claimed or uri in seen_uris:
            continue
        seen_uris.add(uri)
        label = _label(name)
        if label is None:
            warnings.append(f"The card's emotion {str(name)[:60]!r} is not a name a sprite can have; it was skipped.")
            continue
        if label not in sprites and len(sprites) >= MAX_LABELS:
            warnings.append(f"The card has more than {MAX_LABELS} emotions; {label!r} and later ones were skipped.")
            continue
        data = card_file.resolve(uri)
        if data is None:
            warnings.append(f"The card's emotion {label!r} ({uri[:80]}) is not in the file; it was skipped.")
            continue
        used.add(uri)
        sprites.setdefault(label, SpritePlan(label)).images.append(data)
    return list(sprites.values()), all_labels(studio_ext, list(sprites))


def drop_imported_risu_emotions(extensions: dict[str, Any], imported: bool) -> dict[str, Any]:
    """The card's extensions to keep, without RisuAI's emotion list once it became the set (its URIs
    would point at nothing in a file the studio writes; the set's own assets replace it)."""
    risu = extensions.get(RISU_EXTENSION)
    if not imported or not isinstance(risu, dict) or "emotions" not in risu:
        return extensions
    return {**extensions, RISU_EXTENSION: {key: value for key, value in risu.items() if key != "emotions"}}


def _entries(card_file: CardFile) -> list[tuple[Any, str]]:
    """``(name, uri)`` of every sprite the card names: its emotion assets, then RisuAI's list."""
    entries: list[tuple[Any, str]] = [(asset.get("name"), asset["uri"]) for asset in card_file.card.assets()
                                      if asset.get("type") == EMOTION_ASSET_TYPE]
    extensions = card_file.card.data.get("extensions")
    risu = extensions.get(RISU_EXTENSION) if isinstance(extensions, dict) else None
    emotions = risu.get("emotions") if isinstance(risu, dict) else None
    for pair in emotions if isinstance(emotions, list) else []:
        if isinstance(pair, list | tuple) and len(pair) == 2 and isinstance(pair[1], str):
            entries.append((pair[0], pair[1]))
    return entries


def _label(name: Any) -> str | None:
    """The set's label for an emotion name; ``joy-1`` is ``joy`` (an alternative). None if unusable."""
    if not isinstance(name, str):
        return None
    label = _UNWANTED.sub("", re.sub(r"\s+", "-", name.strip().lower())).lstrip("-_")
    label = ALTERNATIVE_SUFFIX.sub("", label)[:LABEL_MAX].rstrip("-_")
    try:
        return validate_label(label)
    except ValidationError:
        return None


def all_labels(studio_ext: dict[str, Any] | None, with_images: list[str]) -> list[str]:
    """The exported set's labels in its order (those with no image too), then any others the card has."""
    entry = (studio_ext or {}).get("expressions")
    listed = entry.get("labels") if isinstance(entry, dict) else None
    labels: list[str] = []
    for raw in listed if isinstance(listed, list) else []:
        try:
            labels.append(validate_label(raw))
        except ValidationError:
            continue
    ordered = list(dict.fromkeys([*labels, *with_images]))
    keep = set(with_images)  # at most MAX_LABELS; past the limit, empty labels give way
    while len(ordered) > MAX_LABELS:
        ordered.remove(next(label for label in reversed(ordered) if label not in keep))
    return ordered
