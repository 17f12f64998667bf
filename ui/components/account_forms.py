"""The account page's own forms: the display name, and the password (the current one required).

Each hands its values to the page's callback, which answers the errors by field (shown under that
field, the typing kept) or None when it worked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from ui import theme

Submit = Callable[[dict[str, Any]], Awaitable[dict[str, str] | None]]


def display_name_form(current: str, on_submit: Submit) -> None:
    with ui.row().classes("w-full items-start gap-2 no-wrap"):
        name = ui.input("Display name", value=current).props("outlined dense maxlength=100 autocomplete=nickname") \
            .classes("flex-grow").mark("display-name-input")

        async def submit() -> None:
            name.error = None
            errors = await on_submit({"display_name": name.value or ""})
            if errors:
                name.error = next(iter(errors.values()))

        name.on("keydown.enter", submit)
        ui.button("Save name", on_click=submit).props("no-caps").mark("save-display-name")


def password_form(on_submit: Submit) -> None:
    ui.label("Change password").classes(theme.SECTION_TITLE)
    current = ui.input("Current password", password=True, password_toggle_button=True) \
        .props('outlined autocomplete=current-password data-testid="current-password"').classes("w-full") \
        .mark("current-password")
    new = ui.input("New password", password=True, password_toggle_button=True) \
        .props('outlined autocomplete=new-password data-testid="new-password"').classes("w-full") \
        .mark("new-password")
    repeat = ui.input("Repeat new password", password=True) \
        .props('outlined autocomplete=new-password data-testid="new-password-repeat"').classes("w-full") \
        .mark("new-password-repeat")
    fields = {"current": current, "password": new, "repeat": repeat}

    async def submit() -> None:
        for element in fields.values():
            element.error = None
        if (new.value or "") != (repeat.value or ""):
            repeat.error = "The passwords do not match"
            return
        button.disable()
        try:
            errors = await on_submit({"current": current.value or "", "password": new.value or ""})
        finally:
            button.enable()
        if errors is None:
            for element in fields.values():
                element.value = ""
            return
        for field, message in errors.items():
            fields.get(field, current).error = message

    repeat.on("keydown.enter", submit)
    button = ui.button("Change password", icon="lock_reset", on_click=submit).props("no-caps") \
        .classes("self-start").mark("change-password")
