"""Scene cards and "Add Scene" (stub, being built)."""

from __future__ import annotations

from nicegui import ui

from ui.actions import StudioActions


def scenes_gallery(actions: StudioActions) -> None:
    ui.label("Scenes")
