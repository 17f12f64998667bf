"""Per-tab state of suggestions: what is proposed for each field, and how to take an accepted one back.

A suggestion never writes a field by itself: the controller puts a :class:`Proposal` here, the
proposal components next to the fields follow :attr:`SuggestionState.proposals` through a binding,
and only Accept writes the character's state (which the auto-saver then saves). Tags are proposed
as the tags to add, so accepting merges them into the list the person has by then.

:class:`FieldChanges` remembers what an accepted suggestion or an applied template changed, so the
notification's Undo restores exactly those fields, and only where the person has not edited them since.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from nicegui.binding import BindableProperty

from core.suggest.offline import FIELD_KEYS
from core.suggest.tags import merge_tags, tags_to_add

TAG_FIELDS = ("appearance_tags", "clothing_tags")
FIELD_LABELS = {
    "name": "Name", "description": "Description", "appearance_tags": "Physical appearance tags",
    "clothing_tags": "Default outfit tags", "appearance_details": "Appearance details", "persona": "Persona",
    "traits": "Personality traits", "first_message": "First message", "voice_tone": "Voice tone", "mood": "Mood",
    "gender": "Gender", "content_rating": "Rating", "system_prompt": "System prompt",
    "alternate_greetings": "Alternate greetings", "forbidden_phrases": "Forbidden phrases",
    "voice_examples": "Voice examples", "default_presets": "Default presets",
}
GROUP_LABELS = {"description": "description", "appearance": "appearance tags", "persona": "persona",
                "traits": "personality traits", "first_message": "first message"}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


@dataclass(frozen=True)
class Proposal:
    """One suggestion waiting for Accept or Refuse.

    ``values``: character field -> proposed text, or for a tag field the tags to add; empty when the
    suggestion would change nothing, and then ``note`` says so instead.
    """

    group: str  # what was asked for: "description", "appearance", "persona", "traits", "first_message"
    values: dict[str, Any]
    source: str = "offline"
    note: str | None = None
    variant: int = 0

    @property
    def empty(self) -> bool:
        return not self.values


def proposal_from(group: str, suggested: Mapping[str, Any], current: Mapping[str, Any], *, source: str,
                  note: str | None = None, variant: int = 0) -> Proposal:
    """What the suggestion would change in ``current``: texts that differ, tags that say something new."""
    values = changed_values(suggested, current, fields=FIELD_KEYS.get(group, tuple(suggested)))
    if not values:
        note = f"Nothing to change: the {GROUP_LABELS.get(group, group)} already says what this suggestion would."
    return Proposal(group, values, source=source, note=note, variant=variant)


def changed_values(suggested: Mapping[str, Any], current: Mapping[str, Any], *,
                   fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Per field, the proposed text when it differs from the current one, or the tags it would add."""
    values: dict[str, Any] = {}
    for name in fields or tuple(suggested):
        if name not in suggested:
            continue
        value = suggested[name]
        if name in TAG_FIELDS:
            other = next(f for f in TAG_FIELDS if f != name)
            added = tags_to_add(current.get(name) or [], value or [], elsewhere=current.get(other) or [])
            if added:
                values[name] = added
            continue
        if name == "traits" and isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if isinstance(value, str) and value.strip() and value.strip() != str(current.get(name) or "").strip():
            values[name] = value.strip()
    return values


def accepted_value(name: str, proposed: Any, current: Any) -> Any:
    """What Accept writes: the proposed text, or the current tags with the proposed ones merged in."""
    if name in TAG_FIELDS:
        return merge_tags(current or [], proposed or [])
    return proposed


class SuggestionActions(Protocol):
    """What the suggest buttons, proposals and the review may ask (the suggestion controller)."""

    proposals: SuggestionState

    async def suggest(self, field: str) -> None: ...
    def accept(self, group: str) -> None: ...
    def refuse(self, group: str) -> None: ...
    async def retry(self, group: str) -> None: ...


class SuggestionState:
    """The open proposals of one tab; :attr:`proposals` is replaced on every change, so bindings see it."""

    proposals = BindableProperty()  # dict[group, Proposal]

    def __init__(self) -> None:
        self.proposals: dict[str, Proposal] = {}

    def get(self, group: str) -> Proposal | None:
        return self.proposals.get(group)

    def put(self, proposal: Proposal) -> None:
        self.proposals = {**self.proposals, proposal.group: proposal}

    def drop(self, group: str) -> Proposal | None:
        found = self.proposals.get(group)
        if found is not None:
            self.proposals = {g: p for g, p in self.proposals.items() if g != group}
        return found


@dataclass
class FieldChanges:
    """Fields one action changed, each with its value before and after, for one Undo."""

    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    undone: bool = False

    def record(self, name: str, before: Any, after: Any) -> None:
        first_before = self.changes[name][0] if name in self.changes else before
        self.changes[name] = (first_before, after)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def restore(self, target: Any) -> tuple[list[str], list[str]]:
        """Put back every field still as the action left it; (restored, edited since) field names.
        A second Undo does nothing."""
        if self.undone:
            return [], []
        self.undone = True
        restored: list[str] = []
        edited: list[str] = []
        for name, (before, after) in self.changes.items():
            if getattr(target, name) != after:
                edited.append(name)
                continue
            setattr(target, name, before)
            restored.append(name)
        return restored, edited
