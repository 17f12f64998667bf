"""The "Start from Template" dialog: a grid of template cards; a click fills the character.

Templates overwrite the fields they define (that is what picking one means) but never the name, so a
person can name the character first. The dialog is created per opening and deleted on close, so no
hidden copy lingers in the page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from core.models import CharacterTemplate
from ui.components.activate import button_like
from ui.components.transient_dialog import show_transient

OnPick = Callable[[CharacterTemplate], Awaitable[None]]


def open_template_selector(templates: list[CharacterTemplate], on_pick: OnPick) -> ui.dialog:
    """Open the dialog; each card (testid ``template-button``) applies its template and closes it."""
    with ui.dialog().props('aria-label="Templates"') as dialog, \
            ui.card().classes("w-[880px] max-w-full").mark("template-selector"):
        with ui.row().classes("w-full items-center justify-between"):
            ui.label("Start from a template").classes("text-lg font-medium")
            ui.button(icon="close", on_click=dialog.close).props('flat round dense aria-label="Close"')
        if not templates:
            ui.label("No templates are available.").classes("text-muted")
        with ui.element("div").classes("grid grid-cols-1 sm:grid-cols-2 md:grid-cols-3 gap-3 w-full "
                                       "max-h-[70vh] overflow-y-auto p-1"):
            for index, template in enumerate(templates):
                _card(template, on_pick, dialog, first=index == 0)
    show_transient(dialog)
    return dialog


def _card(template: CharacterTemplate, on_pick: OnPick, dialog: ui.dialog, *, first: bool) -> None:
    """A card that applies on click, Enter or Space; the first takes the focus when the dialog opens
    (Quasar focuses ``[data-autofocus][tabindex]`` and keeps focus in the dialog until it closes)."""

    async def pick() -> None:
        await on_pick(template)
        dialog.close()

    with ui.card().classes("cursor-pointer hover:shadow-lg transition-shadow gap-1") \
            .props('flat bordered data-testid="template-button"' + (" data-autofocus" if first else "")) \
            .mark("template-button", f"template-{template.slug}").on("click", pick) as card:
        button_like(card, f"Apply the template {template.name}", pick)
        with ui.row().classes("items-center gap-2 no-wrap"):
            ui.icon(template.icon or "person", size="sm", color="primary")
            ui.label(template.name).classes("font-medium")
        ui.label(template.description).classes("text-xs text-muted line-clamp-3")
