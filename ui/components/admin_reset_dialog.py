"""The question before an admin resets someone's password: it says what happens (their sessions end,
they must choose a new password at their next sign-in) and offers a generated temporary password the
admin may replace."""

from __future__ import annotations

from nicegui import ui
from nicegui.client import Client


async def ask_temporary_password(email: str, suggestion: str, *, client: Client | None = None) -> str | None:
    """The temporary password to set, or None when the admin cancelled."""
    with (client or ui.context.client).layout, ui.dialog() as dialog, ui.card().classes("w-full max-w-md"):
        ui.label(f"Reset the password of {email}?").classes("font-medium").mark("reset-question")
        ui.label("They are signed out everywhere and must choose a new password when they next sign in "
                 "with this temporary one.").classes("text-sm")
        password = ui.input("Temporary password", value=suggestion) \
            .props('outlined autocomplete=off data-testid="temporary-password"').classes("w-full font-mono") \
            .mark("temporary-password")
        with ui.row().classes("justify-end w-full"):
            ui.button("Cancel", on_click=lambda: dialog.submit(None)).props("flat no-caps autofocus") \
                .mark("reset-cancel")
            ui.button("Reset password", color="negative", on_click=lambda: dialog.submit(password.value or "")) \
                .props('no-caps data-testid="reset-ok"').mark("reset-ok")
    try:
        answer = await dialog
        return None if answer is None else str(answer)
    finally:
        if not dialog.is_deleted:
            dialog.delete()
