"""The Expressions tab: the header and a grid with one tile per label, in the set's order, filled live.

Built the first time the tab is opened (never in the studio's first answer): :func:`expression_panel`
adds the stylesheet, draws the header at once and the grid after the first read. Changes arrive from
``ExpressionState``: a label that changed redraws its own tile, a removed one goes, a new one is
added at the end; only a new order draws the grid again. One upload picker serves every tile (the
tile says which label it is for), through the same shared upload route and size check as the
reference image, and the core's image gate behind it.
"""

from __future__ import annotations

from pathlib import Path

from nicegui import background_tasks, binding, ui

from core.generation.routing import RoutedModel
from ui.components.expression_header import ExpressionHeader
from ui.components.expression_lightbox import ExpressionLightbox
from ui.components.expression_tile import ExpressionTile
from ui.components.file_picker import FilePicker
from ui.components.reference_image import ACCEPT
from ui.expression_state import Change, ExpressionActions, ExpressionState
from ui.state import CharacterState

CSS = Path(__file__).resolve().parent.parent / "static" / "expressions.css"
GRID_STYLE = "grid-template-columns: repeat(auto-fill, minmax(140px, 1fr))"


class ExpressionPanel:
    def __init__(self, character: CharacterState, actions: ExpressionActions, models: list[RoutedModel], *,
                 max_upload_bytes: int) -> None:
        self.actions = actions
        self.state = actions.state
        self.tiles: dict[str, ExpressionTile] = {}
        self._upload_label: str | None = None
        _follow_faces(self.state, character)
        ui.add_css(CSS)
        with ui.column().classes("w-full gap-3 p-3").props('data-testid="expression-panel"') \
                .mark("expression-panel") as self.root:
            ExpressionHeader(actions, models)
            self.loading = ui.spinner(size="lg").classes("self-center")
            self.empty = ui.label("No expressions yet — pick the labels and press Make expressions.") \
                .classes("text-muted text-sm").mark("no-expressions")
            self.empty.set_visibility(False)
            self.grid = ui.element("div").classes("grid gap-2 w-full").style(GRID_STYLE) \
                .props('data-testid="expression-grid"')
            self.picker = FilePicker(self._uploaded, accept=ACCEPT, max_bytes=max_upload_bytes) \
                .props('data-testid="expression-upload-picker"').mark("expression-upload-picker")
        self.lightbox = ExpressionLightbox(actions)
        self.state.changed.subscribe(self._on_change)  # ends with this page's client
        if self.state.loaded:
            self._reset()

    def upload_for(self, label: str) -> None:
        """Ask the browser for a file; it becomes ``label``'s chosen image."""
        self._upload_label = label
        self.picker.pick()

    async def _uploaded(self, data: bytes, _filename: str) -> None:
        label, self._upload_label = self._upload_label, None
        if label is not None:
            await self.actions.upload(label, data)

    def _on_change(self, change: Change) -> None:
        if self.root.is_deleted:
            return
        kind, name = change
        if kind == "reset":
            self._reset()
        elif kind == "removed" and name in self.tiles:
            self.tiles.pop(name).delete()
        elif kind == "added" and name is not None:
            self._add(name)
        elif kind == "label" and name in self.tiles and (view := self.state.label(name)) is not None:
            self.tiles[name].show(view)
        self._sync()

    def _reset(self) -> None:
        for tile in self.tiles.values():
            tile.delete()
        self.tiles.clear()
        for name in self.state.names():
            self._add(name)
        self._sync()

    def _add(self, name: str) -> None:
        view = self.state.label(name)
        if view is None or name in self.tiles:
            return
        with self.grid:
            self.tiles[name] = ExpressionTile(view, self.actions, self.lightbox.open, self.upload_for)

    def _sync(self) -> None:
        if self.loading is not None and self.state.loaded:
            self.loading.delete()
            self.loading = None
        self.empty.set_visibility(self.state.loaded and not self.tiles)


def _follow_faces(state: ExpressionState, character: CharacterState) -> None:
    """What a new set would be made from: the character's reference image, else its primary portrait.
    Two plain objects bound: the links are removed with the page (no element takes them along)."""
    binding.bind_from(state, "primary_url", character, "image_url")
    binding.bind_from(state, "reference_url", character, "reference_image_url")
    ui.context.client.on_delete(lambda: binding.remove([state]))


def expression_panel(character: CharacterState, actions: ExpressionActions, models: list[RoutedModel], *,
                     max_upload_bytes: int) -> ExpressionPanel:
    """Build the panel and read the set (in a worker thread) once it stands."""
    panel = ExpressionPanel(character, actions, models, max_upload_bytes=max_upload_bytes)
    background_tasks.create(actions.load(), name="expressions-load")
    return panel
