"""One gallery tile: a square thumbnail, the gold star on the primary, and a menu of actions.

Kept to three elements (tile, image, menu button) so a page of 48 builds fast, and to two in the
page's first answer (the menu button follows once connected); the star is created only on the
primary tile, and the menu only when first opened.
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from ui.actions import PortraitActions
from ui.components.activate import button_like
from ui.components.confirm_dialog import confirm
from ui.gallery_state import PortraitView


class PortraitTile(ui.element):
    """A tile; one in the page's first answer (``first_answer``) loads its image at once and gets its
    menu button once the browser is connected (:meth:`add_menu_button`): each element of the first
    answer is mounted before the websocket opens, and the menu needs the connection anyway."""

    def __init__(self, view: PortraitView, actions: PortraitActions, on_open: Callable[[str], None], *,
                 first_answer: bool = False) -> None:
        super().__init__("div")
        self.view = view
        self.actions = actions
        self.classes("relative aspect-square rounded-lg overflow-hidden bg-sunken cursor-pointer group")
        self.props(f'data-testid="portrait-tile" data-portrait-id="{view.id}"')
        self.mark("portrait-tile")
        self._star: ui.icon | None = None
        self._menu_button: ui.button | None = None
        self._menu: ui.menu | None = None
        with self:
            # a lazy image waits for the layout; the first screenful is wanted at once
            image = ui.element("img").props(f'src="{view.tile_url}" loading={"eager" if first_answer else "lazy"} '
                                            'decoding=async alt="Portrait"') \
                .classes("w-full h-full object-cover").on("click", lambda: on_open(view.id)).mark("portrait-image")
        # the image is the button (Enter / Space open it too), not the tile: a button holding the menu's
        # button would be a control nested in a control, which screen readers cannot tell apart (axe)
        self._image = button_like(image, _label(view.is_primary), lambda: on_open(view.id))
        if not first_answer:
            self.add_menu_button()
        self.set_primary(view.is_primary)

    def add_menu_button(self) -> None:
        if self._menu_button is not None:
            return
        with self:
            self._menu_button = ui.button(icon="more_vert", on_click=self._open_menu) \
                .props('round dense flat size=sm color=on-scrim aria-label="Portrait actions" '
                       'data-testid="portrait-menu"') \
                .mark("portrait-menu") \
                .classes("absolute top-1 right-1 bg-scrim")

    def set_primary(self, primary: bool) -> None:
        self.view.is_primary = primary
        if self._image.props.get("aria-label") != _label(primary):
            self._image.props["aria-label"] = _label(primary)
            self._image.update()
        if primary and self._star is None:
            with self:
                self._star = ui.icon("star", color="star", size="sm") \
                    .props('data-testid="primary-badge"').mark("primary-badge") \
                    .classes("absolute top-1 left-1 drop-shadow")
        elif not primary and self._star is not None:
            self._star.delete()
            self._star = None

    def _open_menu(self) -> None:
        if self._menu_button is None:
            return
        if self._menu is None:
            with self._menu_button:
                self._menu = ui.menu()
                with self._menu:
                    ui.menu_item("Set as Primary", lambda: self.actions.set_primary(self.view.id))
                    ui.menu_item("Use as Reference", lambda: self.actions.use_as_reference(self.view.id))
                    ui.menu_item("Download", lambda: self.actions.download(self.view.id))
                    ui.menu_item("Delete", lambda: confirm_delete(self.actions, self.view.id)).mark("portrait-delete")
        self._menu.open()


def _label(primary: bool) -> str:
    return "Open portrait (primary)" if primary else "Open portrait"


async def confirm_delete(actions: PortraitActions, portrait_id: str) -> None:
    """Deleting is permanent (the stored file goes too), so ask first."""
    if await confirm("Delete this portrait? This cannot be undone."):
        await actions.delete_portrait(portrait_id)
