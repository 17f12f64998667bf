"""The portrait gallery of one tab: the first page, more on demand, live changes, portrait actions.

Portrait events from the bus are folded into the ``GalleryState`` the gallery component follows; a
new order (a reorder elsewhere) reloads the first page, because it is then a different set. Another
take of a portrait goes through the ``Generates`` capability the page composes in.
"""

from __future__ import annotations

from nicegui import run, ui

from core import portraits
from core.context import Context
from core.events import Event, EventType
from core.generation.inputs import recorded_presets
from core.models import CharacterPortrait, User
from core.reference_images import use_stored_image
from core.urls import owned_location
from storage.base import StorageError
from ui.actions import Generates
from ui.card_downloads import numbered_filename, offer_to_tab, stored_file
from ui.gallery_state import PAGE_SIZE, GalleryState
from ui.tab_session import TabSession

PORTRAIT_EVENTS = (EventType.PORTRAIT_INSERTED, EventType.PORTRAIT_UPDATED, EventType.PORTRAIT_DELETED)


def read_page(ctx: Context, user: User, character_id: str, offset: int = 0) -> tuple[list[CharacterPortrait], int]:
    """Blocking: one page of portraits and how many there are, in one trip to a worker thread."""
    rows = portraits.list_portraits(ctx, user, character_id, limit=PAGE_SIZE, offset=offset)
    return rows, portraits.count_portraits(ctx, user, character_id)


class GalleryController:
    """Implements ``GalleryActions`` and ``LightboxActions``."""

    def __init__(self, session: TabSession, generation: Generates) -> None:
        self.session = session
        self.state = session.state
        self.gallery = GalleryState()
        self._generation = generation
        session.events.subscribe(self._on_event)

    def show(self, page: tuple[list[CharacterPortrait], int] | None) -> None:
        """The first page as read with the page's opening, so the first answer can show its tiles.

        It was read before this tab listened to the character's events: :meth:`load` reads it again
        once the browser is connected and applies only a difference (a portrait made in between)."""
        if page is not None:
            self.gallery.reset(*page)

    async def load(self) -> None:
        """The first page (again); what is shown changes only where it differs."""
        if self.state.character_id is None:
            return
        found = await run.io_bound(read_page, self.session.ctx, self.session.user, self.state.character_id)
        if found is not None:
            self.gallery.reset(*found)

    async def load_more(self) -> None:
        if not self.gallery.has_more or self.state.character_id is None:
            return
        found = await run.io_bound(read_page, self.session.ctx, self.session.user, self.state.character_id,
                                   len(self.gallery.portraits))
        if found is not None:
            self.gallery.extend(*found)

    async def set_primary(self, portrait_id: str) -> None:
        session = self.session
        await session.call(portraits.set_primary, session.ctx, session.user, portrait_id,
                           done="Primary portrait updated")

    async def delete_portrait(self, portrait_id: str) -> None:
        session = self.session
        await session.call(portraits.delete_portrait, session.ctx, session.user, portrait_id, done="Portrait deleted")

    async def use_as_reference(self, portrait_id: str) -> None:
        view = self.gallery.find(portrait_id)
        path = (view.metadata.get("storage_path") if view else None) or ""
        if not path:
            self.session.notify("This portrait has no stored copy to use as a reference", type="warning")
            return
        row = await use_stored_image(self.session.ctx, self.session.user, self.state.character_id,
                                     "user-library", path)
        self.state.reference_image_url = row.reference_image_url
        self.session.notify("Reference image set from this portrait", type="positive")

    async def download(self, portrait_id: str) -> None:
        """The full image named after the character and the portrait's number (1 for the first made);
        a stored copy goes through a one-time link whose ``Content-Disposition`` carries the name."""
        view = self.gallery.find(portrait_id)
        if view is None:
            return
        filename = numbered_filename(self.state.name, view.sort_order + 1, view.image_url)
        found = owned_location(view.image_url, self.session.user.id)
        if found is None:  # a provider's address (storage was down when it was made): the name is a hint
            ui.download.from_url(view.image_url, filename)
            return
        storage = self.session.ctx.storage
        try:
            file = await run.io_bound(stored_file, storage, found[0], found[1], filename)
        except StorageError:
            self.session.notify("This portrait's file is missing from storage", type="negative")
            return
        if file is not None:
            offer_to_tab(file)

    async def regenerate(self, portrait_id: str, prompt: str) -> None:
        """Another take of a portrait: the lightbox's prompt with the presets that portrait was made
        with (pose, expression, ...), not whatever pose chip the page has selected now."""
        view = self.gallery.find(portrait_id)
        await self._generation.generate(prompt, presets=recorded_presets(view.metadata if view else {}))

    async def _on_event(self, event: Event) -> None:
        if event.type == EventType.RESYNC or (event.type == EventType.PORTRAIT_UPDATED and "order" in event.data):
            await self.load()  # events were lost, or a new order: the first page is a different set
        elif event.type in PORTRAIT_EVENTS:
            self.gallery.apply(event)
