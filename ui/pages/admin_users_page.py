"""``/admin/users``: every account with its last sign-in; create, invite, disable or enable, reset a
password, make or remove admin (admins only; anyone else gets the not-found page).

Everything goes through :mod:`core.admin.users` and :mod:`core.admin.invites`, which apply the admin
rule again, in a worker thread (``run.io_bound``). An invite link or a temporary password is shown once,
with a copy button: only its digest or hash is kept. A refused change (the last active admin) says why
in a toast and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from nicegui import run, ui

from core.admin import invites, users
from core.container import Studio
from core.errors import AuthError, StudioError, ValidationError
from core.models import Invite, User
from ui import theme
from ui.components.admin_invite_list import invite_list
from ui.components.admin_nav import admin_not_found, admin_tabs
from ui.components.admin_reset_dialog import ask_temporary_password
from ui.components.admin_shown_once import shown_once
from ui.components.admin_user_form import create_user_form, invite_form
from ui.components.admin_user_list import user_list
from ui.components.app_header import app_header
from ui.components.confirm_dialog import confirm
from ui.session import live_user, require_user_and, session_token


def register(studio: Studio) -> None:
    @ui.page("/admin/users", title="Users · Character Studio")
    async def users_page() -> None:
        theme.apply()
        found = await require_user_and(studio, "/admin/users", lambda user: _read(studio, user))
        if found is None:
            return
        user, read = found
        app_header(user, single_user=studio.ctx.settings.auth == "none", title="Users")
        if read is None:
            admin_not_found()
            return
        UsersView(studio, user, *read).build()


T = TypeVar("T")


def _read(studio: Studio, user: User) -> tuple[list[User], list[Invite]] | None:
    if not user.is_admin:
        return None
    return users.list_users(studio.ctx, user), invites.pending_invites(studio.ctx, user)


class UsersView:
    """One page instance: the forms, the shown-once box and the list (redrawn from ``rows``)."""

    def __init__(self, studio: Studio, user: User, rows: list[User], pending: list[Invite]) -> None:
        self.studio = studio
        self.ctx = studio.ctx
        self.user = user
        self.token = session_token(studio)
        self.rows = rows
        self.pending = pending
        self.origin = ""  # the address the browser used, for whole invite links

    def build(self) -> None:
        request = ui.context.client.request
        self.origin = str(request.base_url).rstrip("/") if request is not None else ""
        with ui.column().classes(theme.NARROW_PAGE):
            admin_tabs("/admin/users")
            ui.label("Users").classes(theme.PAGE_TITLE)
            self.secret_box = ui.column().classes("w-full scroll-mt-16")
            ui.label("Accounts").classes(theme.SECTION_TITLE)
            self.listing()
            create_user_form(self.create)
            invite_form(self.invite, self.ctx.settings.invite_expiry_s / 86400)
            self.invites()

    @ui.refreshable_method
    def listing(self) -> None:
        user_list(self.rows, self.user, self)

    @ui.refreshable_method
    def invites(self) -> None:
        invite_list(self.pending, self.withdraw)

    async def as_admin(self, action: Callable[[User], T]) -> T:
        """``action(actor)`` in a worker thread, the actor read afresh: an admin disabled or demoted in
        another tab or process acts no more (core refuses; a session that ended goes to sign-in)."""
        try:
            return await run.io_bound(lambda: action(live_user(self.studio, self.token)))
        except AuthError:
            ui.navigate.to("/login?next=/admin/users")
            raise

    async def reload(self) -> None:
        try:
            self.rows, self.pending = await self.as_admin(
                lambda actor: (users.list_users(self.ctx, actor), invites.pending_invites(self.ctx, actor)))
        except StudioError:
            ui.navigate.to("/admin/users")  # no longer an admin: the page says so
            return
        self.listing.refresh()
        self.invites.refresh()

    async def create(self, values: dict[str, Any]) -> dict[str, str] | None:
        try:
            made = await self.as_admin(lambda actor: users.create_user(self.ctx, actor, values))
        except ValidationError as exc:
            return exc.errors
        except StudioError as exc:
            return {"_": exc.message}
        ui.notify(f"Created {made.email}", type="positive")
        await self.reload()
        return None

    async def invite(self, values: dict[str, Any]) -> dict[str, str] | None:
        try:
            _invite, plain = await self.as_admin(
                lambda actor: invites.create_invite(self.ctx, actor, values["email"], values["is_admin"]))
        except ValidationError as exc:
            return exc.errors
        except StudioError as exc:
            return {"_": exc.message}
        self.show_once(self.origin + invites.invite_path(plain), title="Invite link", what="Link",
                       marker="invite-link")
        await self.reload()
        return None

    async def withdraw(self, invite: Invite) -> None:
        whom = invite.email or "anyone with the link"
        if not await confirm(f"Withdraw the invite for {whom}? Its link stops working at once.",
                             ok_label="Withdraw"):
            return
        try:
            await self.as_admin(lambda actor: invites.withdraw_invite(self.ctx, actor, invite.id))
        except StudioError as exc:
            ui.notify(exc.message, type="negative")
        else:
            ui.notify(f"Withdrew the invite for {whom}", type="positive")
        await self.reload()

    async def toggle_disabled(self, row: User) -> None:
        if not row.disabled and not await confirm(
                f"Disable {row.email}? They are signed out everywhere at once and their API tokens stop "
                "working until you enable the account again.", ok_label="Disable"):
            return
        await self._update(row, {"disabled": not row.disabled},
                           f"{'Enabled' if row.disabled else 'Disabled'} {row.email}")

    async def toggle_admin(self, row: User) -> None:
        await self._update(row, {"is_admin": not row.is_admin},
                           f"{row.email} is {'no longer' if row.is_admin else 'now'} an admin")

    async def reset_password(self, row: User) -> None:
        temporary = await ask_temporary_password(row.email, users.generate_password())
        if temporary is None:
            return
        try:
            chosen = await self.as_admin(lambda actor: users.reset_password(self.ctx, actor, row.id, temporary))
        except StudioError as exc:
            ui.notify(exc.message, type="negative")
            return
        self.show_once(chosen, title=f"Temporary password for {row.email}", what="Password",
                       marker="temporary-password-value")
        await self.reload()

    def show_once(self, value: str, *, title: str, what: str, marker: str) -> None:
        """The secret at the top of the page, scrolled to: the button that made it may be far below."""
        shown_once(self.secret_box, value, title=title, what=what, marker=marker)
        ui.run_javascript(f'document.getElementById("c{self.secret_box.id}")'
                          '.scrollIntoView({block: "start", behavior: "smooth"})')

    async def _update(self, row: User, changes: dict[str, Any], done: str) -> None:
        try:
            await self.as_admin(lambda actor: users.update_user(self.ctx, actor, row.id, changes))
        except StudioError as exc:
            ui.notify(exc.message, type="negative")
            return
        ui.notify(done, type="positive")
        await self.reload()
