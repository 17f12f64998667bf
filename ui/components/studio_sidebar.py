"""The studio's left column: save, avatar, suggest-all and the collapsible sections (stub, being built)."""

from __future__ import annotations

from nicegui import ui

from ui.actions import StudioActions
from ui.state import CharacterState, StudioOptions


def studio_sidebar(state: CharacterState, options: StudioOptions, actions: StudioActions) -> None:
    with ui.column().classes("w-full gap-2 p-3"):
        ui.button("Save", on_click=actions.save).props('data-testid="save-button"')
        ui.input("Name").bind_value(state, "name").props('data-testid="character-name"').classes("w-full")
        ui.textarea("Description").bind_value(state, "description") \
            .props('data-testid="character-description"').classes("w-full")
