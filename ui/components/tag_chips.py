"""Tags as removable chips with an add input: the character's physical appearance and outfit tags.

The chips mirror one list field of ``CharacterState`` (``appearance_tags`` or ``clothing_tags``):
every change goes through the state as a new list, so auto-save sees it, and changes made elsewhere
(a preset chip, a template, a suggestion, another tab) redraw the chips through a one-way binding.
Commas separate tags ("red hair, green eyes" is two), typed then Enter, or pasted; leaving the input
adds what is in it. Adding follows the character rules: whitespace is trimmed and collapsed, a tag already present in
any letter case is ignored, and a tag over the length limit or one tag too many shows the reason
under the input instead of being cut or dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import binding, ui
from nicegui.events import ValueChangeEventArguments

from core.character_rules import TAG_MAX_COUNT, TAG_MAX_LEN
from ui.state import CharacterState


class TagChipRow(ui.row):
    """A row of removable chips bound to a list; being an element, its binding ends when it is deleted."""

    tags = binding.BindableProperty(on_change=lambda self, _value: self.redraw())

    def __init__(self, on_remove: Callable[[str], None], marker: str) -> None:
        super().__init__(wrap=True)
        self._on_remove = on_remove
        self._marker = marker
        self.classes("w-full gap-1 min-h-[1.5rem]")
        self.tags: list[str] = []  # the first assignment does not redraw
        self.redraw()

    def bind_tags_from(self, state: CharacterState, field: str) -> TagChipRow:
        """Follow ``state.<field>``; a copy, so a list changed in place elsewhere cannot skip a redraw."""
        binding.bind_from(self, "tags", state, field, backward=lambda v: list(v or []))
        return self

    def redraw(self) -> None:
        self.clear()
        with self:
            if not self.tags:
                ui.label("No tags yet").classes("text-xs text-muted")
            for tag in self.tags:
                ui.chip(tag, removable=True, on_value_change=lambda e, t=tag: None if e.value else self._on_remove(t)) \
                    .props("dense color=sunken text-color=on-surface").classes("text-xs").mark(f"{self._marker}-chip")


def tag_chips(state: CharacterState, field: str, label: str, *, marker: str) -> ui.column:
    """Chips for ``state.<field>`` and an input that adds on Enter; ``marker`` names the parts for tests."""

    def remove(tag: str) -> None:
        setattr(state, field, [t for t in getattr(state, field) if t != tag])

    def add() -> None:
        tags, rest, error = split_new_tags(getattr(state, field), tag_input.value or "")
        if tags:
            setattr(state, field, [*getattr(state, field), *tags])
        tag_input.value = rest  # a refused part stays, so the person can shorten it
        tag_input.error = error

    def on_change(event: ValueChangeEventArguments) -> None:
        """A paste of "red hair, green eyes" becomes its tags at once. A comma typed by hand waits for
        Enter: clearing the box while the person types on would drop the keys already on their way."""
        text, before = event.value or "", event.previous_value or ""
        if "," in text and len(text) - len(before) > 1:
            add()
        else:
            tag_input.error = None

    with ui.column().classes("w-full gap-1") as column:
        ui.label(label).classes("text-xs font-medium text-muted")
        TagChipRow(remove, marker).bind_tags_from(state, field)
        tag_input = ui.input(placeholder=f"Add {label.lower()}, comma-separated",
                             on_change=on_change) \
            .props(f'dense outlined aria-label="Add {label.lower()}" data-testid="{marker}-input"') \
            .classes("w-full").mark(f"{marker}-input")
        tag_input.on("keydown.enter", add)
        tag_input.on("blur", add)  # a tag typed and left is a tag, not text lost on the next click
    return column


def split_new_tags(current: list[str], raw: str) -> tuple[list[str], str, str | None]:
    """Commas separate tags: (tags to add, the text to leave in the input, why it was left).

    Parts are added in order until one is refused (too long, one too many); that part and the ones
    after it stay in the input with the reason, so nothing typed is lost."""
    accepted: list[str] = []
    parts = raw.split(",")
    for index, part in enumerate(parts):
        tag, error = check_new_tag([*current, *accepted], part)
        if error:
            return accepted, ",".join(parts[index:]).strip(), error
        if tag:
            accepted.append(tag)
    return accepted, "", None


def check_new_tag(current: list[str], raw: str) -> tuple[str | None, str | None]:
    """(tag to add, reason it may not be added): trims, ignores duplicates in any letter case."""
    tag = " ".join(raw.split())
    if not tag or tag.casefold() in {t.casefold() for t in current}:
        return None, None
    if len(tag) > TAG_MAX_LEN:
        return None, f"A tag can be at most {TAG_MAX_LEN} characters (this one has {len(tag)})"
    if len(current) >= TAG_MAX_COUNT:
        return None, f"At most {TAG_MAX_COUNT} tags — remove one before adding another"
    return tag, None
