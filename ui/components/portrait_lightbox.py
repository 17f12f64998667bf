"""The lightbox: one portrait full size, previous / next (arrow keys too), and its actions.

One dialog per page, filled on demand, so a gallery of thousands costs nothing until it is opened.
"""

from __future__ import annotations

from nicegui import ui

from ui.actions import LightboxActions
from ui.components.lightbox_keys import lightbox_keys
from ui.components.portrait_tile import confirm_delete
from ui.gallery_state import GalleryState, PortraitView


class PortraitLightbox:
    def __init__(self, gallery: GalleryState, actions: LightboxActions) -> None:
        self.gallery = gallery
        self.actions = actions
        self.current: PortraitView | None = None
        self.anchor = ui.element("div")  # the dialog is built here on first open
        self.dialog: ui.dialog | None = None

    def _build(self) -> ui.dialog:
        with self.anchor, ui.dialog().props('maximized aria-label="Portrait viewer"') as self.dialog, \
                ui.card().classes("w-full h-full bg-viewer text-on-scrim p-0 column no-wrap") \
                .props('data-testid="lightbox"').mark("lightbox"):
            with ui.row().classes("w-full items-center justify-between p-2 no-wrap"):
                self.caption = ui.label().classes("text-sm opacity-80 ellipsis")
                # Quasar moves focus into the dialog, onto [autofocus], and keeps it there until it closes
                ui.button(icon="close", on_click=self.dialog.close) \
                    .props('flat round color=on-scrim autofocus aria-label="Close"') \
                    .mark("lightbox-close")
            with ui.row().classes("w-full col items-center justify-center no-wrap relative"):
                ui.button(icon="chevron_left", on_click=lambda: self.step(-1)) \
                    .props('flat round color=on-scrim aria-label="Previous portrait" data-testid="lightbox-prev"') \
                    .mark("lightbox-prev")
                self.image = ui.image().classes("max-h-[75vh] max-w-[85vw]").props('fit=contain alt="Portrait"')
                ui.button(icon="chevron_right", on_click=lambda: self.step(1)) \
                    .props('flat round color=on-scrim aria-label="Next portrait" data-testid="lightbox-next"') \
                    .mark("lightbox-next")
            with ui.row().classes("w-full justify-center gap-2 p-3 flex-wrap"):
                self.prompt = ui.input(placeholder="Regenerate with a prompt…") \
                    .props('dark dense outlined aria-label="Regenerate with a prompt"') \
                    .classes("min-w-[14rem]")
                ui.button("Regenerate", icon="refresh", on_click=self._regenerate).props("flat color=on-scrim")
                ui.button("Set as Primary", icon="star", on_click=self._set_primary).props("flat color=warning")
                ui.button("Use as Reference", icon="face", on_click=self._use_reference).props("flat color=on-scrim")
                ui.button("Download", icon="download", on_click=self._download).props("flat color=on-scrim")
                ui.button("Delete", icon="delete", on_click=self._delete).props("flat color=negative")
        with self.anchor:
            self.keyboard = lightbox_keys(self.dialog, self.step)
        return self.dialog

    def open(self, portrait_id: str) -> None:
        view = self.gallery.find(portrait_id)
        if view is None:
            return
        dialog = self.dialog or self._build()
        self._show(view)
        dialog.open()

    def step(self, delta: int) -> None:
        if self.current is None or not self.gallery.portraits:
            return
        index = self.gallery.index(self.current.id)
        self._show(self.gallery.portraits[(index + delta) % len(self.gallery.portraits)])

    def _show(self, view: PortraitView) -> None:
        self.current = view
        self.image.set_source(view.image_url)
        position = self.gallery.index(view.id) + 1
        star = "★ primary · " if view.is_primary else ""
        self.caption.set_text(f"{star}{position} of {self.gallery.total} · {(view.prompt or '')[:140]}")

    async def _regenerate(self) -> None:
        if self.current is not None and self.dialog is not None:
            self.dialog.close()
            await self.actions.regenerate(self.current.id, self.prompt.value or "")

    async def _set_primary(self) -> None:
        if self.current is not None:
            await self.actions.set_primary(self.current.id)
            self._show(self.current)

    async def _use_reference(self) -> None:
        if self.current is not None:
            await self.actions.use_as_reference(self.current.id)

    async def _download(self) -> None:
        if self.current is not None:
            await self.actions.download(self.current.id)

    async def _delete(self) -> None:
        if self.current is None:
            return
        doomed = self.current
        await confirm_delete(self.actions, doomed.id)
        if self.gallery.find(doomed.id) is None:
            if self.gallery.portraits:
                self._show(self.gallery.portraits[0])
            elif self.dialog is not None:
                self.dialog.close()
