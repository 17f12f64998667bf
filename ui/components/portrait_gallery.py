"""The portrait gallery: an auto-fill grid of square tiles that follows the character's events live.

It shows the first page (48) and loads more when the end of the grid scrolls into view, so a character
with thousands of portraits opens as fast as one with ten. A page whose gallery is loaded already puts
the first screenful (:data:`FIRST_ANSWER_TILES`, images loading at once) into its first answer, so the
first portrait is on screen about when the websocket connects; the rest of the page follows once
connected. Changes arrive from ``GalleryState``: a new portrait's tile is inserted at the front, a
deleted one removed, the star moved, without rebuilding.
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui
from nicegui.events import GenericEventArguments

from ui.actions import GalleryActions
from ui.components.activate import button_like
from ui.components.deferred import Deferred, after_connect
from ui.components.portrait_tile import PortraitTile
from ui.gallery_state import Change, GalleryState, PortraitView

GRID_STYLE = "grid-template-columns: repeat(auto-fill, minmax(130px, 1fr))"
# About a screenful at 1280 x 800 (six columns, four rows); each tile is three elements, and every
# element in the first answer is mounted before the browser opens the websocket.
FIRST_ANSWER_TILES = 24


class PortraitGallery:
    def __init__(self, gallery: GalleryState, actions: GalleryActions, on_open: Callable[[str], None],
                 on_add: Callable[[], None]) -> None:
        self.gallery = gallery
        self.actions = actions
        self.on_open = on_open
        self.on_add = on_add
        self.tiles: dict[str, PortraitTile] = {}
        self.add_tile: ui.element | None = None  # these two once connected
        self.more: ui.element | None = None
        with ui.column().classes("w-full gap-2") as self.root:
            self.empty = ui.label("No portraits yet — describe the look and press Generate.") \
                .classes("text-muted text-sm")
            self.grid = ui.element("div").classes("grid gap-2 w-full").style(GRID_STYLE) \
                .props('data-testid="portrait-grid"')
        for view in gallery.portraits[:FIRST_ANSWER_TILES]:
            self._add(view, at_front=False, first_answer=True)
        self._sync()
        gallery.changed.subscribe(self._on_change)  # ends with this page's client
        # The rest of the first page arrives over the websocket once connected; a gallery not loaded
        # yet shows a spinner until then.
        self.loading = None if gallery.loaded else \
            ui.spinner(size="lg").classes("self-center").move(self.root, target_index=0)
        after_connect(Deferred(self.grid, self._fill))

    def _fill(self) -> None:
        """Once connected: the first answer's tiles get their menus, the rest of the first page comes,
        and the actions that need the connection (the add tile, "Load more") are added."""
        if self.loading is not None:
            self.loading.delete()
            self.loading = None
        for tile in self.tiles.values():
            tile.add_menu_button()
        for view in self.gallery.portraits:
            self._add(view, at_front=False)
        with self.grid:
            self.add_tile = ui.element("div").classes(
                "aspect-square rounded-lg border-2 border-dashed border-placeholder flex items-center "
                "justify-center cursor-pointer text-muted hover:bg-sunken") \
                .props('data-testid="add-portrait-tile"').mark("add-portrait-tile").on("click", self.on_add)
            button_like(self.add_tile, "Generate a new portrait", self.on_add)
            with self.add_tile:
                ui.icon("add", size="lg")
        with self.root:
            self.more = ui.element("q-intersection").classes("w-full h-8").on("visibility", self._on_visibility)
            with self.more:
                ui.button("Load more", on_click=self.actions.load_more).props("flat dense") \
                    .classes("w-full").mark("load-more")
        self._sync()

    def _on_change(self, change: Change) -> None:
        kind, view = change
        if kind == "reset":
            for tile in self.tiles.values():
                tile.delete()
            self.tiles.clear()
            for item in self.gallery.portraits:
                self._add(item, at_front=False)
        elif kind == "inserted" and view is not None:
            self._add(view, at_front=True)
        elif kind == "appended" and view is not None:
            self._add(view, at_front=False)
        elif kind == "deleted" and view is not None and view.id in self.tiles:
            self.tiles.pop(view.id).delete()
        elif kind == "updated" and view is not None and view.id in self.tiles:
            with self.tiles[view.id]:
                self.tiles[view.id].set_primary(view.is_primary)
        self._sync()

    def _add(self, view: PortraitView, at_front: bool, first_answer: bool = False) -> None:
        if view.id in self.tiles:
            return
        with self.grid:
            tile = PortraitTile(view, self.actions, self.on_open, first_answer=first_answer)
        if at_front:
            tile.move(self.grid, target_index=0)
        if self.add_tile is not None:
            self.add_tile.move(self.grid, target_index=len(self.grid.default_slot.children) - 1)
        self.tiles[view.id] = tile

    def _sync(self) -> None:
        self.empty.set_visibility(self.gallery.loaded and not self.tiles and not self.gallery.portraits)
        if self.more is not None:
            self.more.set_visibility(self.gallery.has_more)

    async def _on_visibility(self, event: GenericEventArguments) -> None:
        if event.args and self.gallery.has_more:
            await self.actions.load_more()
