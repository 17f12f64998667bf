"""``/login`` and ``/logout``: the first start creates the admin account, later visits sign in.

With ``STUDIO_AUTH=none`` there is nothing to sign in to, so ``/login`` goes straight home. Password
checks (scrypt, slow on purpose) run off the event loop so one sign-in never stalls other tabs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from nicegui import run, ui
from starlette.requests import Request
from starlette.responses import RedirectResponse

from core import auth
from core.container import Studio
from core.errors import AuthError, ValidationError
from core.sign_in import TooManyAttempts, sign_in
from ui import theme
from ui.components.new_account_form import new_account_form
from ui.components.new_password_step import new_password_step
from ui.components.theme_toggle import theme_toggle
from ui.session import begin_sign_in, complete_sign_in, current_user, safe_next, sign_out


def register(studio: Studio) -> None:
    db = studio.ctx.db

    @ui.page("/login", title="Sign in · Character Studio")
    async def login(next: str = "") -> RedirectResponse | None:  # noqa: A002 - the query parameter's name
        theme.apply()
        target = safe_next(next)
        if studio.ctx.settings.auth == "none":
            return RedirectResponse("/")
        if await current_user(studio) is not None:
            return RedirectResponse(target)
        first_start = await run.io_bound(auth.user_count, db) == 0
        with ui.column().classes("w-full max-w-sm mx-auto mt-10 px-4 gap-3"):
            with ui.row().classes("w-full items-center no-wrap"):
                ui.label("Character Studio").classes("text-2xl font-semibold text-primary flex-grow")
                theme_toggle()
            if first_start:
                _create_admin_form(studio, target)
            else:
                _sign_in_form(studio, target, ui.column().classes("w-full gap-3 p-0"))
        return None

    @ui.page("/login/complete")
    async def login_complete(request: Request, ticket: str = "") -> RedirectResponse:
        return await complete_sign_in(studio, request, ticket)

    @ui.page("/logout")
    async def logout(request: Request) -> RedirectResponse:
        return await sign_out(studio, request)


def _sign_in_form(studio: Studio, target: str, box: ui.column) -> None:
    """Email and password; a wrong pair shows one message that does not say which part was wrong. After
    an admin's reset, ``box`` then asks for a new password before the session starts."""
    with box:
        ui.label("Sign in").classes("text-lg")
        email = ui.input("Email").props('type=email autocomplete=username outlined data-testid="email"') \
            .classes("w-full").mark("email")
        password = ui.input("Password", password=True, password_toggle_button=True) \
            .props('autocomplete=current-password outlined data-testid="password"').classes("w-full").mark("password")
        error = ui.label().classes("text-negative text-sm").mark("login-error")
        error.visible = False

    async def submit() -> None:
        button.disable()
        try:
            user = await sign_in(studio.ctx.db, studio.sign_ins, email.value or "", password.value or "",
                                 ui.context.client.ip)
        except (AuthError, TooManyAttempts) as exc:
            error.set_text(exc.message)
            error.visible = True
            password.value = ""
            return
        finally:
            button.enable()
        if user.must_change_password:  # an admin's reset: a new password first, then the session
            temporary = password.value or ""
            box.clear()
            with box:
                new_password_step(studio, user, temporary, target)
            return
        begin_sign_in(user, target)

    password.on("keydown.enter", submit)
    with box:
        button = ui.button("Sign in", on_click=submit).classes("w-full").props('data-testid="submit"').mark("submit")
        if studio.ctx.settings.open_signup:
            with ui.row().classes("gap-1 items-center"):
                ui.label("New here?").classes(theme.HINT)
                ui.link("Create an account", "/signup").classes("text-primary inline-flex items-center min-h-[40px]") \
                    .mark("signup-link")


def _create_admin_form(studio: Studio, target: str) -> None:
    """The very first account, created only while there is none (two forms at once give one admin):
    the same form as invites and sign-up, with the first-account rule in its callback."""
    ui.label("Create the admin account").classes("text-lg").mark("create-admin")
    ui.label("No account exists yet. The first account administers this studio.").classes(theme.HINT)

    async def create(values: dict[str, Any]) -> dict[str, str] | None:
        again = f"/login?next={quote(target, safe='/')}"
        if await run.io_bound(auth.user_count, studio.ctx.db) > 0:
            ui.notify("An account was created meanwhile: sign in instead", type="warning")
            ui.navigate.to(again)
            return None
        try:
            user = await run.io_bound(lambda: auth.create_user(studio.ctx.db, values["email"], values["password"],
                                                               values["display_name"], only_if_first=True))
        except ValidationError as exc:
            if "_" in exc.errors:  # someone else created the admin meanwhile
                ui.notify(exc.message, type="warning")
                ui.navigate.to(again)
                return None
            return exc.errors
        ui.notify("Admin account created", type="positive")
        begin_sign_in(user, target)
        return None

    new_account_form(create)
