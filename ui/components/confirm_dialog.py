"""A yes/no question before something that cannot be undone (delete a character, revoke a token)."""

from __future__ import annotations

from nicegui import ui


async def confirm(message: str, *, ok_label: str = "Delete", ok_color: str = "negative") -> bool:
    """True when the person pressed the confirm button; the dialog is removed either way."""
    with ui.dialog() as dialog, ui.card().classes("max-w-sm"):
        ui.label(message).mark("confirm-message")
        with ui.row().classes("justify-end w-full"):
            ui.button("Cancel", on_click=lambda: dialog.submit(False)).props("flat").mark("confirm-cancel")
            ui.button(ok_label, on_click=lambda: dialog.submit(True), color=ok_color) \
                .props('data-testid="confirm-ok"').mark("confirm-ok")
    try:
        return bool(await dialog)
    finally:
        dialog.delete()
