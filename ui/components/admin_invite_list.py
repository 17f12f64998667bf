"""The open invites on ``/admin/users``: whom each is for, when it expires, and Withdraw.

The link itself is not here: only its digest is stored, so it was shown once, when it was made. An
invite that is not wanted any more is withdrawn instead, and its link stops working at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from core.models import Invite
from ui import theme
from ui.components.admin_user_list import when


def invite_list(pending: list[Invite], withdraw: Callable[[Invite], Awaitable[None]]) -> None:
    """One row per invite still usable, newest first; nothing when there is none."""
    if not pending:
        return
    ui.label("Open invites").classes(theme.SECTION_TITLE)
    with ui.column().classes("w-full gap-2").props('data-testid="invite-list"'):
        for invite in pending:
            _invite_row(invite, withdraw)


def _invite_row(invite: Invite, withdraw: Callable[[Invite], Awaitable[None]]) -> None:
    whom = invite.email or "anyone with the link"
    with ui.card().classes("w-full").props('flat bordered data-testid="invite-row"').mark(f"invite-{invite.id}"), \
            ui.row().classes("w-full items-center gap-3 wrap"):
        with ui.column().classes("gap-1 flex-grow min-w-0"):
            with ui.row().classes("items-center gap-2 wrap"):
                ui.label(whom).classes("font-medium break-all")
                if invite.is_admin:
                    ui.badge("admin", color="primary")
            ui.label(f"Expires {when(invite.expires_at)}").classes(theme.CAPTION)
        ui.button("Withdraw", icon="link_off", on_click=lambda: withdraw(invite)) \
            .props(f'flat no-caps color=negative aria-label="Withdraw the invite for {whom}"') \
            .mark(f"withdraw-invite-{invite.id}")
