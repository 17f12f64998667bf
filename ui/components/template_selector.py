"""The template dialog (stub, being built)."""

from __future__ import annotations

from nicegui import ui

from ui.actions import StudioActions


def open_template_selector(actions: StudioActions) -> None:
    ui.notify("Templates are coming")
