"""The header's character switcher: the user's own characters plus "Create New"."""

from __future__ import annotations

from nicegui import ui

from core.models import Character

NEW = "__new__"


def character_selector(own: list[Character], current_id: str | None, role: str = "ai") -> ui.select:
    options = {NEW: "+ Create New", **{c.id: c.name for c in own}}
    if current_id and current_id not in options:
        options[current_id] = "This character"

    def go(value: str | None) -> None:
        if value == NEW:
            ui.navigate.to("/studio" + ("?role=user" if role == "user" else ""))
        elif value and value != current_id:
            ui.navigate.to(f"/studio/{value}")

    return ui.select(options, value=current_id or NEW, on_change=lambda e: go(e.value)) \
        .props('dense outlined options-dense data-testid="character-selector"') \
        .classes("min-w-[9rem] max-w-[16rem]")
