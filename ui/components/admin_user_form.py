"""The two ways an admin adds people on ``/admin/users``: create an account with a password now, or make
an invite link (single use, expiring) for the person to set their own.

Each form hands its values to the page's callback, which answers the errors by field (shown under that
field, the input kept) or None when it worked (the form clears).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from ui import theme

Submit = Callable[[dict[str, Any]], Awaitable[dict[str, str] | None]]


def create_user_form(on_submit: Submit) -> None:
    """Email, display name, password, the admin flag; Create."""
    with ui.card().classes("w-full").props('data-testid="create-user-form"'):
        ui.label("Add a user").classes(theme.SECTION_TITLE)
        ui.label("Give the person their email and this password; they can change it on their account page.") \
            .classes(theme.HINT)
        email = ui.input("Email").props("type=email outlined autocomplete=off").classes("w-full").mark("new-email")
        name = ui.input("Display name (optional)").props("outlined maxlength=100").classes("w-full") \
            .mark("new-name")
        password = ui.input("Password", password=True, password_toggle_button=True) \
            .props("outlined autocomplete=new-password").classes("w-full").mark("new-password")
        admin = ui.checkbox("Admin (may manage users, providers and backups)").mark("new-is-admin")
        must_change = ui.checkbox("Ask for a new password at the first sign-in").mark("new-must-change")
        fields = {"email": email, "display_name": name, "password": password}

        async def submit() -> None:
            values = {"email": email.value or "", "display_name": name.value or "", "password": password.value or "",
                      "is_admin": bool(admin.value), "must_change_password": bool(must_change.value)}
            if _show(fields, await on_submit(values)):
                for element in fields.values():
                    element.value = ""
                admin.value = must_change.value = False

        ui.button("Create user", icon="person_add", on_click=submit).props('no-caps data-testid="create-user"') \
            .mark("create-user")


def invite_form(on_submit: Submit, expiry_days: float) -> None:
    """An optional email and the admin flag; Create invite link."""
    with ui.card().classes("w-full").props('data-testid="invite-form"'):
        ui.label("Invite someone").classes(theme.SECTION_TITLE)
        days = f"{expiry_days:g} day{'s' if expiry_days != 1 else ''}"
        ui.label(f"A link that makes one account and works for {days}. Leave the email empty to let the "
                 "person type theirs.").classes(theme.HINT)
        email = ui.input("Email (optional)").props("type=email outlined autocomplete=off").classes("w-full") \
            .mark("invite-email")
        admin = ui.checkbox("The account is an admin").mark("invite-is-admin")

        async def submit() -> None:
            if _show({"email": email}, await on_submit({"email": email.value or "",
                                                                 "is_admin": bool(admin.value)})):
                email.value = ""
                admin.value = False

        ui.button("Create invite link", icon="link", on_click=submit) \
            .props('no-caps data-testid="create-invite"').mark("create-invite")


def _show(fields: dict[str, ui.input], errors: dict[str, str] | None) -> bool:
    """Put each error under its field (the others under the first); True when there were none."""
    for element in fields.values():
        element.error = None
    if errors is None:
        return True
    first = next(iter(fields.values()))
    for field, message in errors.items():
        fields.get(field, first).error = message
    return False
