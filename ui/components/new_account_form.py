"""The form that makes one's own account: from an invite link, or by open sign-up.

Email (fixed when the invite names it), display name, password and its repeat. The page's callback
answers the errors by field (kept under that field, the typing kept) or None when the account exists.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

Submit = Callable[[dict[str, Any]], Awaitable[dict[str, str] | None]]


def new_account_form(on_submit: Submit, *, fixed_email: str | None = None, button: str = "Create account") -> None:
    email = ui.input("Email", value=fixed_email or "") \
        .props('type=email autocomplete=username outlined data-testid="email"').classes("w-full").mark("email")
    if fixed_email:
        email.props("readonly")
    name = ui.input("Display name (optional)").props('outlined maxlength=100 autocomplete=nickname') \
        .classes("w-full").mark("display-name-input")
    password = ui.input("Password", password=True, password_toggle_button=True) \
        .props('autocomplete=new-password outlined data-testid="password"').classes("w-full").mark("password")
    repeat = ui.input("Repeat password", password=True) \
        .props('autocomplete=new-password outlined data-testid="password-repeat"').classes("w-full") \
        .mark("password-repeat")
    fields = {"email": email, "display_name": name, "password": password, "repeat": repeat}

    async def submit() -> None:
        for element in fields.values():
            element.error = None
        if (password.value or "") != (repeat.value or ""):
            repeat.error = "The passwords do not match"
            return
        submit_button.disable()
        try:
            errors = await on_submit({"email": email.value or "", "display_name": name.value or "",
                                      "password": password.value or ""})
        finally:
            submit_button.enable()
        for field, message in (errors or {}).items():
            fields.get(field, email).error = message

    repeat.on("keydown.enter", submit)
    submit_button = ui.button(button, on_click=submit).classes("w-full").props('data-testid="submit"').mark("submit")
