"""What a page shows for a character that does not exist or is not the visitor's to see (the same words
for both, so nobody learns which ids exist)."""

from __future__ import annotations

from nicegui import ui

from ui import theme


def character_not_found() -> None:
    with ui.column().classes("w-full items-center py-16 gap-3 px-4"):
        ui.icon("search_off", size="3rem", color="placeholder")
        ui.label("Character not found").classes("text-xl font-semibold").mark("not-found")
        ui.label("It does not exist, or it is private.").classes(theme.MUTED)
        ui.button("Back to your characters", on_click=lambda: ui.navigate.to("/")).props("flat no-caps")
