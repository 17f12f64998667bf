"""``/invite/{token}`` and ``/signup``: a person makes their own account, then is signed in.

An invite link works once and until it expires (:mod:`core.admin.invites`); an unusable one says so and
nothing more. ``/signup`` exists only while ``STUDIO_OPEN_SIGNUP`` is on: off, it is the not-found page
and :func:`core.account.sign_up` refuses anyway. Password hashing (slow on purpose) runs in a worker
thread; a refused form keeps what was typed and names the field.
"""

from __future__ import annotations

from typing import Any

from nicegui import run, ui

from core import account
from core.admin import invites
from core.container import Studio
from core.errors import StudioError, ValidationError
from core.models import User
from ui import theme
from ui.components.admin_nav import admin_not_found
from ui.components.new_account_form import new_account_form
from ui.components.theme_toggle import theme_toggle
from ui.session import begin_sign_in


def register(studio: Studio) -> None:
    db = studio.ctx.db

    @ui.page("/invite/{token}", title="Join · Character Studio")
    async def invite(token: str) -> None:
        theme.apply()
        found = await run.io_bound(invites.open_invite, db, token)
        with _column():
            if found is None:
                ui.label("This invite link does not work").classes("text-lg").mark("invite-invalid")
                ui.label("It was used already, has expired, or was withdrawn: ask the admin for a new one.") \
                    .classes(theme.HINT)
                ui.link("Sign in", "/login").classes("text-primary inline-flex items-center min-h-[40px]")
                return
            ui.label("Create your account").classes("text-lg").mark("invite-form")
            ui.label("You were invited to this studio. Choose a password to finish.").classes(theme.HINT)

            async def accept(values: dict[str, Any]) -> dict[str, str] | None:
                return await _create(lambda: invites.accept_invite(
                    db, token, values["email"], values["password"], values["display_name"]))

            new_account_form(accept, fixed_email=found.email)

    @ui.page("/signup", title="Create an account · Character Studio")
    async def signup() -> None:
        theme.apply()
        if not studio.ctx.settings.open_signup:
            admin_not_found()
            return
        with _column():
            ui.label("Create an account").classes("text-lg").mark("signup-form")

            async def create(values: dict[str, Any]) -> dict[str, str] | None:
                return await _create(lambda: account.sign_up(
                    db, studio.ctx.settings, values["email"], values["password"], values["display_name"]))

            new_account_form(create)
            with ui.row().classes("gap-1 items-center"):
                ui.label("Have an account?").classes(theme.HINT)
                ui.link("Sign in", "/login").classes("text-primary inline-flex items-center min-h-[40px]")


def _column() -> ui.column:
    column = ui.column().classes("w-full max-w-sm mx-auto mt-10 px-4 gap-3")
    with column, ui.row().classes("w-full items-center no-wrap"):
        ui.label("Character Studio").classes("text-2xl font-semibold text-primary flex-grow")
        theme_toggle()
    return column


async def _create(make: Any) -> dict[str, str] | None:
    """Run ``make`` (blocking) and sign the new account in; the errors by field otherwise."""
    try:
        user: User = await run.io_bound(make)
    except ValidationError as exc:
        return exc.errors
    except StudioError as exc:
        return {"_": exc.message}
    ui.notify("Account created", type="positive")
    begin_sign_in(user, "/")
    return None
