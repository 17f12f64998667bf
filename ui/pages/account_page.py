"""``/account``: who is signed in, their display name and password, and the API tokens scripts use to
reach the HTTP API.

Changing the password needs the current one (a tab left open elsewhere cannot take the account over);
there is no password in single-user mode (``STUDIO_AUTH=none``), so that form is not shown there.

A new token is shown exactly once (only its digest is stored), so the page says so and offers a copy
button; revoking asks first because scripts using the token stop working at once.
"""

from __future__ import annotations

from datetime import datetime

from nicegui import run, ui

from core import account, auth, sessions
from core.container import Studio
from core.errors import StudioError, ValidationError
from core.models import ApiToken, User
from ui import theme
from ui.components.account_forms import display_name_form, password_form
from ui.components.app_header import app_header
from ui.components.confirm_dialog import confirm
from ui.session import live_user, require_user_and, session_token

PASSWORD_CHANGED_ELSEWHERE = "The password of this account was changed: sign in again"


def register(studio: Studio) -> None:
    @ui.page("/account", title="Account · Character Studio")
    async def account() -> None:
        theme.apply()
        found = await require_user_and(studio, "/account", lambda user: auth.list_tokens(studio.ctx.db, user))
        if found is None:
            return
        user, tokens = found
        AccountView(studio, user, tokens).build()


class AccountView:
    """One page instance: the profile, the token form and the token list."""

    def __init__(self, studio: Studio, user: User, tokens: list[ApiToken]) -> None:
        self.studio = studio
        self.db = studio.ctx.db
        self.user = user
        self.tokens = tokens  # read in a worker thread: the list redraws from this, never from the database
        self.single_user = studio.ctx.settings.auth == "none"
        self.token = session_token(studio)

    def build(self) -> None:
        app_header(self.user, single_user=self.single_user, title="Account")
        with ui.column().classes(theme.NARROW_PAGE):
            with ui.card().classes("w-full"):
                ui.label("Account").classes(theme.SECTION_TITLE)
                self.name_label = ui.label(self.user.display_name or self.user.email).classes("font-medium") \
                    .mark("display-name")
                ui.label(self.user.email).classes(f"{theme.MUTED} break-all").mark("account-email")
                if self.user.is_admin:
                    ui.badge("Admin", color="primary").classes("self-start")
                if self.single_user:
                    ui.label("Single-user mode: sign-in is turned off on this machine.").classes(theme.HINT)
                else:
                    ui.button("Sign out", icon="logout", on_click=lambda: ui.navigate.to("/logout")) \
                        .props("outline no-caps") \
                        .classes("self-start").mark("account-sign-out")
                display_name_form(self.user.display_name, self.save_name)
            if not self.single_user:
                with ui.card().classes("w-full"):
                    password_form(self.change_password)
            with ui.card().classes("w-full"):
                ui.label("API tokens").classes(theme.SECTION_TITLE)
                ui.label("Scripts send a token as 'Authorization: Bearer <token>' to use the HTTP API "
                         "as you.").classes(theme.HINT)
                with ui.row().classes("w-full items-start gap-2 no-wrap"):
                    self.name_input = ui.input("Token name", placeholder="e.g. my script") \
                        .props("outlined dense maxlength=100").classes("flex-grow").mark("token-name")
                    self.name_input.on("keydown.enter", self.create_token)
                    ui.button("Create token", icon="add", on_click=self.create_token).props("no-caps") \
                        .mark("create-token")
                self.new_token_box = ui.column().classes("w-full")
                self.token_list()

    async def save_name(self, values: dict[str, str]) -> dict[str, str] | None:
        try:
            row = await run.io_bound(lambda: account.set_display_name(
                self.db, live_user(self.studio, self.token), values["display_name"]))
        except StudioError as exc:
            return {"display_name": exc.message}
        self.user.display_name = row.display_name
        self.name_label.set_text(row.display_name)
        ui.notify("Display name saved", type="positive")
        return None

    async def change_password(self, values: dict[str, str]) -> dict[str, str] | None:
        try:
            await run.io_bound(lambda: account.change_password(
                self.db, live_user(self.studio, self.token), values["current"], values["password"]))
        except ValidationError as exc:
            return exc.errors
        except StudioError as exc:
            return {"current": exc.message}
        ended = await run.io_bound(sessions.end_other_sessions, self.db, self.studio.ctx.events, self.user.id,
                                   self.token, PASSWORD_CHANGED_ELSEWHERE)
        ui.notify("Password changed" + (f"; signed out {ended} other session(s)" if ended else ""), type="positive")
        return None

    async def create_token(self) -> None:
        self.name_input.error = None
        try:
            _token, plain = await run.io_bound(auth.create_token, self.db, self.user, self.name_input.value or "")
        except ValidationError as exc:
            self.name_input.error = exc.message
            return
        self.name_input.value = ""
        self.show_new_token(plain)
        await self.reload_tokens()

    def show_new_token(self, plain: str) -> None:
        """The one time the plain token exists outside the caller's hands."""
        self.new_token_box.clear()
        with self.new_token_box, ui.card().classes("w-full bg-notice").props("flat bordered"):
            with ui.row().classes("items-center gap-2 no-wrap"):
                ui.icon("warning", color="warning")
                ui.label("Copy this token now: it will not be shown again.").classes("font-medium") \
                    .mark("token-warning")
            with ui.row().classes("w-full items-center gap-2 no-wrap"):
                ui.label(plain).classes("font-mono text-sm break-all flex-grow").mark("new-token")

                async def copy() -> None:
                    await ui.clipboard.write(plain)
                    ui.notify("Token copied", type="positive")

                ui.button(icon="content_copy", on_click=copy).props('flat round aria-label="Copy token"') \
                    .mark("copy-token")
            ui.button("Done", on_click=self.new_token_box.clear).props("flat dense no-caps")

    async def reload_tokens(self) -> None:
        found = await run.io_bound(auth.list_tokens, self.db, self.user)
        self.tokens = found if found is not None else self.tokens
        self.token_list.refresh()

    @ui.refreshable_method
    def token_list(self) -> None:
        tokens = self.tokens
        if not tokens:
            ui.label("No tokens yet.").classes(theme.MUTED).mark("no-tokens")
            return
        with ui.list().props("separator").classes("w-full"):
            for token in tokens:
                self._token_row(token)

    def _token_row(self, token: ApiToken) -> None:
        with ui.item().classes("px-0").mark(f"token-row token-{token.id}"):
            with ui.item_section():
                ui.item_label(token.name).classes("font-medium break-all")
                ui.item_label(f"Created {_when(token.created_at)} · last used {_when(token.last_used_at)}") \
                    .props("caption")
            with ui.item_section().props("side"):
                ui.button("Revoke", on_click=lambda t=token: self.revoke(t)) \
                    .props("flat dense no-caps color=negative").mark("revoke-token")

    async def revoke(self, token: ApiToken) -> None:
        if not await confirm(f"Revoke “{token.name}”? Scripts using it stop working at once.", ok_label="Revoke"):
            return
        try:
            await run.io_bound(auth.revoke_token, self.db, self.user, token.id)
        except StudioError as exc:
            ui.notify(exc.message, type="negative")
        else:
            ui.notify("Token revoked", type="positive")
        await self.reload_tokens()


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "never"
