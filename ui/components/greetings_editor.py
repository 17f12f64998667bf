"""The seed's CharacterGreetingsEditor: the first message and a list of alternate greetings.

The list follows ``state.alternate_greetings`` one way (like the tag chips): adding, removing or a
change from elsewhere (reload after a conflict) redraws it, while typing into one greeting only
writes the state, so the textarea being typed into is never rebuilt and keeps its focus.
"""

from __future__ import annotations

from nicegui import binding, ui

from core.character_rules import LIST_LIMITS
from ui.components.field_errors import FieldErrors
from ui.state import CharacterState

MAX_GREETINGS = LIST_LIMITS["alternate_greetings"][0]


class AlternateGreetings(ui.column):
    """One textarea per alternate greeting, each with a remove button."""

    greetings = binding.BindableProperty(on_change=lambda self, value: self._follow(value))

    def __init__(self, state: CharacterState) -> None:
        super().__init__()
        self.classes("w-full gap-2")
        self._state = state
        self._shown: list[str] = []
        self.greetings: list[str] = []  # the first assignment does not redraw
        binding.bind_from(self, "greetings", state, "alternate_greetings", backward=lambda v: list(v or []))

    def _follow(self, value: list[str]) -> None:
        if value != self._shown:
            self.redraw(value)

    def redraw(self, items: list[str]) -> None:
        self._shown = list(items)
        self.clear()
        with self:
            for index, text in enumerate(items):
                with ui.row().classes("w-full items-start gap-1 no-wrap").mark("greeting-row"):
                    ui.textarea(f"Greeting {index + 1}", value=text,
                                on_change=lambda e, i=index: self._edit(i, e.value or "")) \
                        .props("outlined autogrow dense").classes("flex-grow").mark(f"greeting-{index + 1}")
                    ui.button(icon="delete", on_click=lambda i=index: self.remove(i)) \
                        .props('flat round dense color=negative aria-label="Remove greeting"') \
                        .mark("remove-greeting")

    def add(self) -> None:
        if len(self._state.alternate_greetings) >= MAX_GREETINGS:
            ui.notify(f"At most {MAX_GREETINGS} alternate greetings", type="warning")
            return
        self._state.alternate_greetings = [*self._state.alternate_greetings, ""]

    def remove(self, index: int) -> None:
        items = list(self._state.alternate_greetings)
        if 0 <= index < len(items):
            del items[index]
            self._state.alternate_greetings = items

    def _edit(self, index: int, value: str) -> None:
        items = list(self._state.alternate_greetings)
        if index < len(items) and items[index] != value:
            items[index] = value
            self._shown = list(items)  # typing is not a reason to rebuild the list
            self._state.alternate_greetings = items


def greetings_editor(state: CharacterState, errors: FieldErrors) -> ui.column:
    with ui.column().classes("w-full gap-2") as editor:
        first = ui.textarea("First message", placeholder="How the character opens a conversation") \
            .bind_value(state, "first_message").props("outlined autogrow").classes("w-full").mark("first-message")
        errors.register("first_message", first)
        ui.label("Alternate greetings").classes("text-xs font-medium text-muted")
        greetings = AlternateGreetings(state)
        error = ui.label().classes("text-negative text-xs").mark("greetings-error")
        error.visible = False
        errors.register("alternate_greetings", error)
        ui.button("Add greeting", icon="add", on_click=greetings.add).props("flat dense no-caps") \
            .mark("add-greeting")
    return editor
