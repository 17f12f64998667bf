"""Presets: pose chips, appearance chips, and the expression/outfit/camera fragments of the prompt builder.

A preset is a label the UI shows and a ``prompt`` fragment the portrait prompt gets. Appearance and
outfit presets may also add tags to a character. ``Preset.tags`` is a flat JSON list, so the kind of
each tag is carried as a prefix: ``"appearance:<tag>"`` for a physical tag (goes to
``appearance_tags``) and ``"clothing:<tag>"`` for an outfit tag (goes to ``clothing_tags``). A tag with
no known prefix is treated as physical. ``preset_tags`` splits them; ``encode_preset_tags`` builds them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import col, select

from core.db import Database
from core.errors import ValidationError
from core.models import PRESET_KINDS, Preset

APPEARANCE_PREFIX = "appearance:"
CLOTHING_PREFIX = "clothing:"


@dataclass(frozen=True)
class PresetTags:
    """The tags a preset adds, split the way the character stores them."""

    appearance: list[str] = field(default_factory=list)
    clothing: list[str] = field(default_factory=list)


def list_presets(db: Database, kind: str) -> list[Preset]:
    """The presets of one kind in display order (``sort_order``, then label); unknown kinds are errors."""
    if kind not in PRESET_KINDS:
        raise ValidationError({"kind": f"kind must be one of {', '.join(PRESET_KINDS)}, not {kind!r}"})
    with db.read() as session:
        stmt = select(Preset).where(Preset.kind == kind).order_by(col(Preset.sort_order), col(Preset.label))
        return list(session.exec(stmt).all())


def preset_tags(preset: Preset) -> PresetTags:
    """Split a preset's stored tags into physical (appearance) and outfit (clothing) tags."""
    appearance: list[str] = []
    clothing: list[str] = []
    for raw in preset.tags or []:
        if raw.startswith(CLOTHING_PREFIX):
            clothing.append(raw[len(CLOTHING_PREFIX) :])
        elif raw.startswith(APPEARANCE_PREFIX):
            appearance.append(raw[len(APPEARANCE_PREFIX) :])
        else:
            appearance.append(raw)
    return PresetTags(appearance=appearance, clothing=clothing)


def encode_preset_tags(appearance: Iterable[str] = (), clothing: Iterable[str] = ()) -> list[str]:
    """The stored form of a preset's tags (the inverse of ``preset_tags``)."""
    return [APPEARANCE_PREFIX + t for t in appearance] + [CLOTHING_PREFIX + t for t in clothing]
