"""A yes/no question before something that cannot be undone (delete a character, revoke a token)."""

from __future__ import annotations

from nicegui import ui
from nicegui.client import Client


async def confirm(message: str, *, ok_label: str = "Delete", ok_color: str = "negative",
                  client: Client | None = None) -> bool:
    """True when the person pressed the confirm button; the dialog is removed either way.

    Pass the page's ``client`` when the asking element may be redrawn meanwhile (a card in a
    refreshed list): the dialog then lives in the page's layout, not under the element.
    """
    with (client or ui.context.client).layout, ui.dialog() as dialog, ui.card().classes("max-w-sm"):
        ui.label(message).mark("confirm-message")
        with ui.row().classes("justify-end w-full"):
            ui.button("Cancel", on_click=lambda: dialog.submit(False)).props("flat").mark("confirm-cancel")
            ui.button(ok_label, on_click=lambda: dialog.submit(True), color=ok_color) \
                .props('data-testid="confirm-ok"').mark("confirm-ok")
    try:
        return bool(await dialog)
    finally:
        dialog.delete()
