"""The expression viewer: one label's images full size, every alternative in a strip, choose or delete.

The portrait lightbox walks a ``GalleryState`` of portraits; an expression has a label, a chosen
image and alternatives instead, so it has this small viewer of its own. One dialog per tab, built
when first opened; previous / next (arrow keys too) step through the labels that have images. It
follows the set while open: a label changed in another tab is shown as it is now.
"""

from __future__ import annotations

from nicegui import ui

from core.expressions.views import ImageView, LabelView
from ui.components.confirm_dialog import confirm
from ui.components.expression_tile import background_badge
from ui.components.lightbox_keys import lightbox_keys
from ui.expression_state import Change, ExpressionActions

FRAME_STYLE = "width: min(78vw, 62vh); height: min(78vw, 62vh)"  # sprites are square: as large as fits
ORIGIN_TEXT = {"generated": "generated", "upload": "your upload", "import": "imported"}


class ExpressionLightbox:
    def __init__(self, actions: ExpressionActions) -> None:
        self.actions = actions
        self.state = actions.state
        self.label: str | None = None
        self.image_id: str | None = None  # the image shown large (the chosen one unless another was picked)
        self.anchor = ui.element("div")
        self.dialog: ui.dialog | None = None
        self.state.changed.subscribe(self._on_change)

    def _build(self) -> ui.dialog:
        with self.anchor, ui.dialog().props('maximized aria-label="Expression viewer"') as self.dialog, \
                ui.card().classes("w-full h-full bg-viewer text-on-scrim p-0 column no-wrap") \
                .props('data-testid="expression-lightbox"').mark("expression-lightbox"):
            with ui.row().classes("w-full items-center justify-between p-2 no-wrap"):
                self.caption = ui.label().classes("text-sm opacity-90 ellipsis").mark("expression-lightbox-caption")
                ui.button(icon="close", on_click=self.dialog.close) \
                    .props('flat round color=on-scrim autofocus aria-label="Close"').mark("expression-lightbox-close")
            with ui.row().classes("w-full col items-center justify-center no-wrap"):
                ui.button(icon="chevron_left", on_click=lambda: self.step(-1)) \
                    .props('flat round color=on-scrim aria-label="Previous expression"')
                with ui.element("div").classes("relative").style(FRAME_STYLE) as self.frame:
                    self.image = ui.image().classes("w-full h-full").props('fit=contain alt="Expression"')
                ui.button(icon="chevron_right", on_click=lambda: self.step(1)) \
                    .props('flat round color=on-scrim aria-label="Next expression"')
            self.strip = ui.row().classes("w-full justify-center gap-2 px-3 flex-wrap")
            with ui.row().classes("w-full justify-center gap-2 p-3 flex-wrap"):
                self.choose_button = ui.button("Use this image", icon="check", on_click=self._choose) \
                    .props("flat color=on-scrim no-caps").mark("expression-lightbox-choose")
                ui.button("Regenerate", icon="refresh", on_click=self._regenerate) \
                    .props("flat color=on-scrim no-caps")
                ui.button("Delete this image", icon="delete", on_click=self._delete_image) \
                    .props("flat color=negative no-caps").mark("expression-lightbox-delete")
        with self.anchor:
            self.keyboard = lightbox_keys(self.dialog, self.step)
        return self.dialog

    def open(self, label: str) -> None:
        view = self.state.label(label)
        if view is None or not view.images:
            return
        dialog = self.dialog or self._build()
        self.label, self.image_id = label, None
        self._show(view)
        dialog.open()

    def step(self, delta: int) -> None:
        shown = [label for label in (self.state.view.labels if self.state.view else ()) if label.images]
        names = [label.label for label in shown]
        if not shown or self.label not in names:
            return
        view = shown[(names.index(self.label) + delta) % len(shown)]
        self.label, self.image_id = view.label, None
        self._show(view)

    def _current(self, view: LabelView) -> ImageView | None:
        return next((image for image in view.images if image.id == self.image_id), None) or \
            (view.images[0] if view.images else None)

    def _show(self, view: LabelView) -> None:
        image = self._current(view)
        if image is None:
            if self.dialog is not None:
                self.dialog.close()
            return
        self.image_id = image.id
        chosen = view.chosen is not None and view.chosen.id == image.id
        self.image.set_source(image.image_url)
        self.frame.classes(replace="relative expr-checker" if image.background == "transparent" else "relative")
        position = view.images.index(image) + 1
        state = "chosen" if chosen else "alternative"
        self.caption.set_text(f"{view.label} · image {position} of {len(view.images)} · {state} · "
                              f"{image.background} background · {ORIGIN_TEXT.get(image.origin, image.origin)}")
        self.choose_button.set_visibility(not chosen)
        self.strip.clear()
        with self.strip:
            for other in view.images:
                self._thumb(view, other, shown=other.id == image.id)

    def _thumb(self, view: LabelView, image: ImageView, *, shown: bool) -> None:
        chosen = view.chosen is not None and view.chosen.id == image.id
        with ui.column().classes("items-center gap-1"):
            thumb = ui.button(on_click=lambda i=image.id: self._pick(i)) \
                .props("flat dense padding=0").classes("rounded overflow-hidden") \
                .mark("expression-lightbox-thumb")
            thumb.props["aria-label"] = f"Show image {view.images.index(image) + 1}" + (" (chosen)" if chosen else "")
            with thumb:
                ui.element("img").props(f'src="{image.thumbnail_url or image.image_url}" alt=""') \
                    .classes("w-14 h-14 object-cover " + ("expr-chosen" if chosen else "") +
                             (" expr-shown" if shown else ""))
            with ui.row().classes("gap-1 items-center"):
                if chosen:
                    ui.badge("chosen", color="primary").classes("text-xs")
                background_badge(image)

    def _pick(self, image_id: str) -> None:
        view = self.state.label(self.label or "")
        if view is not None:
            self.image_id = image_id
            self._show(view)

    def _on_change(self, change: Change) -> None:
        kind, name = change
        if self.dialog is None or not self.dialog.value or self.label is None:
            return
        if kind in ("reset", "removed", "label") and (name is None or name == self.label):
            view = self.state.label(self.label)
            if view is None or not view.images:
                self.dialog.close()
            else:
                self._show(view)

    async def _choose(self) -> None:
        if self.label and self.image_id:
            await self.actions.choose(self.label, self.image_id)

    async def _regenerate(self) -> None:
        if self.label and self.dialog is not None:
            self.dialog.close()
            await self.actions.regenerate(self.label)

    async def _delete_image(self) -> None:
        if not (self.label and self.image_id):
            return
        label, image_id = self.label, self.image_id
        if await confirm("Delete this image? This cannot be undone."):
            self.image_id = None
            await self.actions.delete_image(label, image_id)
