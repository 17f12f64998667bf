"""The portrait gallery: an auto-fill grid of square tiles that follows the character's events live.

It shows the first page (48) and loads more when the end of the grid scrolls into view, so a character
with thousands of portraits opens as fast as one with ten. Changes arrive from ``GalleryState``: a new
portrait's tile is inserted at the front, a deleted one removed, the star moved, without rebuilding.
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui
from nicegui.events import GenericEventArguments

from ui.actions import GalleryActions
from ui.components.deferred import Deferred, after_connect
from ui.components.portrait_tile import PortraitTile
from ui.gallery_state import Change, GalleryState, PortraitView

GRID_STYLE = "grid-template-columns: repeat(auto-fill, minmax(130px, 1fr))"


class PortraitGallery:
    def __init__(self, gallery: GalleryState, actions: GalleryActions, on_open: Callable[[str], None],
                 on_add: Callable[[], None]) -> None:
        self.gallery = gallery
        self.actions = actions
        self.on_open = on_open
        self.tiles: dict[str, PortraitTile] = {}
        with ui.column().classes("w-full gap-2") as self.root:
            self.empty = ui.label("No portraits yet — describe the look and press Generate.") \
                .classes("text-grey-7 text-sm")
            self.grid = ui.element("div").classes("grid gap-2 w-full").style(GRID_STYLE) \
                .props('data-testid="portrait-grid"')
            with self.grid:
                self.add_tile = ui.element("div").classes(
                    "aspect-square rounded-lg border-2 border-dashed border-grey-5 flex items-center "
                    "justify-center cursor-pointer text-grey-6 hover:bg-grey-2") \
                    .props('data-testid="add-portrait-tile"').on("click", on_add)
                with self.add_tile:
                    ui.icon("add", size="lg")
            self.more = ui.element("q-intersection").classes("w-full h-8") \
                .on("visibility", self._on_visibility)
            with self.more:
                ui.button("Load more", on_click=self.actions.load_more).props("flat dense") \
                    .classes("w-full").mark("load-more")
        self._sync()
        gallery.changed.subscribe(self._on_change)  # ends with this page's client
        # The tiles arrive over the websocket right after the page loads: the HTML answer stays small
        # and fast however long the gallery is, and the spinner shows for the blink in between.
        self.loading = ui.spinner(size="lg").classes("self-center").move(self.root, target_index=0)
        after_connect(Deferred(self.grid, self._fill))

    def _fill(self) -> None:
        self.loading.delete()
        for view in self.gallery.portraits:
            self._add(view, at_front=False)
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

    def _add(self, view: PortraitView, at_front: bool) -> None:
        if view.id in self.tiles:
            return
        with self.grid:
            tile = PortraitTile(view, self.actions, self.on_open)
        if at_front:
            tile.move(self.grid, target_index=0)
        self.add_tile.move(self.grid, target_index=len(self.grid.default_slot.children) - 1)
        self.tiles[view.id] = tile

    def _sync(self) -> None:
        self.empty.set_visibility(not self.tiles and not self.gallery.portraits)
        self.more.set_visibility(self.gallery.has_more)

    async def _on_visibility(self, event: GenericEventArguments) -> None:
        if event.args and self.gallery.has_more:
            await self.actions.load_more()
