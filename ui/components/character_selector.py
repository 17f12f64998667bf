"""The header's character switcher: the user's own characters plus "Create New"."""

from __future__ import annotations

from nicegui import ui

from core.models import Character

NEW = "__new__"


def character_selector(own: list[Character], current_id: str | None, role: str = "ai",
                       current_name: str = "This character") -> ui.select:
    options = selector_options(own, current_id, current_name)

    def go(value: str | None) -> None:
        if value == NEW:
            ui.navigate.to("/studio" + ("?role=user" if role == "user" else ""))
        elif value and value != current_id:
            ui.navigate.to(f"/studio/{value}")

    return ui.select(options, value=current_id or NEW, on_change=lambda e: go(e.value)) \
        .props('dense outlined options-dense data-testid="character-selector"') \
        .classes("min-w-[9rem] max-w-[16rem]")


def selector_options(own: list[Character], current_id: str | None, current_name: str) -> dict[str, str]:
    options = {NEW: "+ Create New", **{c.id: c.name for c in own}}
    if current_id and current_id not in options:
        options[current_id] = current_name or "This character"
    return options
