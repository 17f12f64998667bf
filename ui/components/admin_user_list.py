"""The accounts on ``/admin/users``: who they are, their flags, their last sign-in, and what an admin
can do to each (disable or enable, reset the password, make or remove admin).

Every button's accessible name says whom it acts on ("Disable mira@example.com"), so a screen reader
going from button to button never has to guess which row it is in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from nicegui import ui

from core.models import User
from ui import theme

UserAction = Callable[[User], Awaitable[None]]


class UserActions(Protocol):
    """What the list's buttons call; the page does the work and redraws the list."""

    toggle_disabled: UserAction
    toggle_admin: UserAction
    reset_password: UserAction


def user_list(users: list[User], me: User, actions: UserActions) -> None:
    """One card per account, oldest first."""
    if not users:
        ui.label("No accounts yet.").classes(theme.MUTED)
        return
    with ui.column().classes("w-full gap-2").props('data-testid="user-list"'):
        for user in users:
            _user_card(user, me, actions)


def _user_card(user: User, me: User, actions: UserActions) -> None:
    card = ui.card().classes("w-full").props('flat bordered data-testid="user-row"').mark(f"user-row user-{user.id}")
    with card, ui.row().classes("w-full items-start gap-3 wrap"):
        with ui.column().classes("gap-1 flex-grow min-w-0"):
            with ui.row().classes("items-center gap-2 wrap"):
                ui.label(user.display_name or user.email).classes("font-medium break-all")
                for text, color, marker in _badges(user, me):
                    ui.badge(text, color=color).mark(marker)
            ui.label(user.email).classes(f"{theme.MUTED} text-sm break-all").mark("user-email")
            ui.label(f"Last sign-in: {when(user.last_sign_in_at)}").classes(theme.CAPTION).mark("last-sign-in")
        with ui.row().classes("items-center gap-1 wrap"):
            _button("Enable" if user.disabled else "Disable", user, actions.toggle_disabled,
                    "toggle-disabled", "negative" if not user.disabled else "primary")
            _button("Reset password", user, actions.reset_password, "reset-password", "primary")
            _button("Remove admin" if user.is_admin else "Make admin", user, actions.toggle_admin,
                    "toggle-admin", "primary")


def _badges(user: User, me: User) -> list[tuple[str, str, str]]:
    badges = []
    if user.id == me.id:
        badges.append(("You", "neutral", "badge-you"))
    if user.is_admin:
        badges.append(("Admin", "primary", "badge-admin"))
    if user.disabled:
        badges.append(("Disabled", "negative", "badge-disabled"))
    if user.must_change_password:
        badges.append(("Must set a new password", "neutral", "badge-must-change"))
    return badges


def _button(label: str, user: User, action: UserAction, marker: str, color: str) -> None:
    async def run() -> None:
        await action(user)

    button = ui.button(label, on_click=run).props(f'outline no-caps color={color} data-testid="{marker}"') \
        .mark(f"{marker} {marker}-{user.id}")
    button.props["aria-label"] = f"{label} {user.email}"  # set as a value: an email may hold a quote


def when(moment: datetime | None) -> str:
    """A moment as the list shows it (UTC, to the minute), or "never"."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"
