"""Card import and export for an open studio tab: core does the work, this turns it into toasts,
a navigation to the new character, or a download."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from core.cards.export import export_card
from core.cards.importer import import_card
from core.errors import StudioError
from ui.card_downloads import offer_to_tab

if TYPE_CHECKING:
    from ui.studio_controller import StudioController


async def import_card_file(controller: StudioController, data: bytes, filename: str) -> None:
    """Create a new character from a card file and open it; a bad file creates nothing."""
    try:
        result = await import_card(controller.ctx, controller.user, data)
    except (StudioError, ValueError) as exc:
        controller.notify(f"Could not import {filename}: {getattr(exc, 'message', exc)}", type="negative")
        return
    for warning in result.warnings[:3]:
        controller.notify(warning, type="warning")
    controller.notify(f"Imported “{result.character.name}”", type="positive")
    ui.navigate.to(f"/studio/{result.character.id}")


async def export_card_file(controller: StudioController, fmt: str) -> None:
    """Save pending edits first, so the file carries what the person sees."""
    if controller.state.character_id is None:
        controller.notify("Save the character before exporting it", type="warning")
        return
    await controller.saver.flush()
    try:
        card = await export_card(controller.ctx, controller.user, controller.state.character_id, fmt)
    except StudioError as exc:
        controller.notify(exc.message, type="negative")
        return
    offer_to_tab(card)
