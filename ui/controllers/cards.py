"""Character cards for one tab: import a card file as a new character, export this one.

Core does the work (async services); this turns the result into toasts, a navigation to the new
character, or a streamed download offered to this tab.
"""

from __future__ import annotations

from nicegui import ui

from core.cards.export import export_card
from core.cards.importer import import_card
from core.errors import StudioError
from ui.card_downloads import offer_to_tab
from ui.tab_session import TabSession


class CardController:
    def __init__(self, session: TabSession) -> None:
        self.session = session

    async def import_card(self, data: bytes, filename: str) -> None:
        """Create a new character from a card file and open it; a bad file creates nothing."""
        session = self.session
        try:
            result = await import_card(session.ctx, session.user, data)
        except (StudioError, ValueError) as exc:
            session.notify(f"Could not import {filename}: {getattr(exc, 'message', exc)}", type="negative")
            return
        for warning in result.warnings[:3]:
            session.notify(warning, type="warning")
        sprites = len(result.expression_labels)
        extra = f" with {sprites} expression{'s' if sprites != 1 else ''}" if sprites else ""
        session.notify(f"Imported “{result.character.name}”{extra}", type="positive")
        ui.navigate.to(f"/studio/{result.character.id}")

    async def export_card(self, fmt: str) -> None:
        """Save pending edits first, so the file carries what the person sees."""
        session = self.session
        if session.state.character_id is None:
            session.notify("Save the character before exporting it", type="warning")
            return
        await session.saver.flush()
        try:
            card = await export_card(session.ctx, session.user, session.state.character_id, fmt)
        except StudioError as exc:
            session.notify(exc.message, type="negative")
            return
        offer_to_tab(card)
