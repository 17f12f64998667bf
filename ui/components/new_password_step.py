"""The sign-in step after an admin reset the password: the temporary password was just accepted, and
no session starts until a new one is chosen (``core.account.set_required_password``)."""

from __future__ import annotations

from nicegui import run, ui

from core import account
from core.container import Studio
from core.errors import StudioError, ValidationError
from core.models import User
from ui import theme
from ui.session import begin_sign_in


def new_password_step(studio: Studio, user: User, temporary: str, target: str) -> None:
    ui.label("Choose a new password").classes("text-lg").mark("new-password-step")
    ui.label("An admin reset your password. Choose your own to finish signing in.").classes(theme.HINT)
    password = ui.input("New password", password=True, password_toggle_button=True) \
        .props('autocomplete=new-password outlined data-testid="new-password"').classes("w-full") \
        .mark("new-password")
    repeat = ui.input("Repeat new password", password=True) \
        .props('autocomplete=new-password outlined data-testid="new-password-repeat"').classes("w-full") \
        .mark("new-password-repeat")

    async def submit() -> None:
        password.error = repeat.error = None
        if (password.value or "") != (repeat.value or ""):
            repeat.error = "The passwords do not match"
            return
        try:
            fresh = await run.io_bound(account.set_required_password, studio.ctx.db, user, temporary,
                                       password.value or "")
        except ValidationError as exc:
            password.error = exc.message
            return
        except StudioError as exc:
            ui.notify(exc.message, type="negative")
            ui.navigate.to("/login")
            return
        ui.notify("Password changed", type="positive")
        begin_sign_in(fresh, target)

    repeat.on("keydown.enter", submit)
    ui.button("Set password and sign in", on_click=submit).classes("w-full") \
        .props('data-testid="new-password-submit"').mark("new-password-submit")
