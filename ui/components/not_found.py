"""What a page shows for a character that does not exist or is not the visitor's to see (the same words
for both, so nobody learns which ids exist)."""

from __future__ import annotations

from nicegui import ui


def character_not_found() -> None:
    with ui.column().classes("w-full items-center py-16 gap-3 px-4"):
        ui.icon("search_off", size="3rem", color="grey-5")
        ui.label("Character not found").classes("text-xl font-semibold").mark("not-found")
        ui.label("It does not exist, or it is private.").classes("text-grey-7")
        ui.button("Back to your characters", on_click=lambda: ui.navigate.to("/")).props("flat no-caps")
