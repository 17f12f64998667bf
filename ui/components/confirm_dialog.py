"""The one yes/no question before something that cannot be undone (delete a character, a portrait,
a scene; revoke a token).

The dialog lives in the page's layout, never under the element that asked: that element (a gallery
tile, a card in a refreshed list) may be deleted while the question is open, and would take the
dialog with it. The dialog is removed once answered, unless the page took it along already. Focus
starts on Cancel (Quasar's dialog focuses ``[autofocus]`` and holds focus until it closes), so a
stray Enter never confirms.
"""

from __future__ import annotations

from nicegui import ui
from nicegui.client import Client


async def confirm(message: str, *, ok_label: str = "Delete", ok_color: str = "negative",
                  client: Client | None = None) -> bool:
    """True when the person pressed the confirm button; ``client`` defaults to the current page's."""
    with (client or ui.context.client).layout, ui.dialog() as dialog, ui.card().classes("max-w-sm"):
        ui.label(message).mark("confirm-message")
        with ui.row().classes("justify-end w-full"):
            ui.button("Cancel", on_click=lambda: dialog.submit(False)).props("flat autofocus").mark("confirm-cancel")
            ui.button(ok_label, on_click=lambda: dialog.submit(True), color=ok_color) \
                .props('data-testid="confirm-ok"').mark("confirm-ok")
    try:
        return bool(await dialog)
    finally:
        if not dialog.is_deleted:  # a closed tab has taken it along
            dialog.delete()
