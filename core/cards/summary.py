"""What the studio shows of a character's card in the Advanced section, read from ``card_data``.

A small, total function over whatever ``card_data`` holds (it is never trusted to be well formed):
the UI calls :func:`card_summary` and renders the result; nothing else needs to know the layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CardSummary:
    """Creator, creator notes, card tags and the lorebook's size, for display."""

    spec: str | None = None
    creator: str = ""
    creator_notes: str = ""
    character_version: str = ""
    tags: list[str] = field(default_factory=list)
    nickname: str = ""
    lorebook_name: str = ""
    lorebook_entries: int = 0
    extension_keys: list[str] = field(default_factory=list)

    @property
    def has_card(self) -> bool:
        return self.spec is not None


def card_summary(card_data: dict[str, Any] | None) -> CardSummary:
    """The summary of a character's ``card_data`` (an empty summary for a studio-made character)."""
    if not isinstance(card_data, dict) or not card_data:
        return CardSummary()
    fields = card_data.get("fields") if isinstance(card_data.get("fields"), dict) else {}
    book = fields.get("character_book") if isinstance(fields.get("character_book"), dict) else {}
    entries = book.get("entries") if isinstance(book.get("entries"), list) else []
    tags = fields.get("tags") if isinstance(fields.get("tags"), list) else []
    extensions = card_data.get("extensions") if isinstance(card_data.get("extensions"), dict) else {}
    return CardSummary(
        spec=str(card_data.get("spec") or "") or None,
        creator=_text(fields.get("creator")),
        creator_notes=_text(fields.get("creator_notes")),
        character_version=_text(fields.get("character_version")),
        tags=[tag for tag in tags if isinstance(tag, str)],
        nickname=_text(fields.get("nickname")),
        lorebook_name=_text(book.get("name")),
        lorebook_entries=len(entries),
        extension_keys=sorted(extensions),
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
