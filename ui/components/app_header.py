"""The header of the non-studio pages: the app name (home), the theme toggle, the account link and
sign-out.

Sign-out is hidden in single-user mode (``STUDIO_AUTH=none``), where there is no session to end.
"""

from __future__ import annotations

from nicegui import ui

from core.models import User
from ui import theme
from ui.components.theme_toggle import theme_toggle


def app_header(user: User, *, single_user: bool, title: str = "") -> ui.header:
    with ui.header().classes(f"{theme.SURFACE} {theme.HEADER}") as header:
        ui.link("Character Studio", "/").classes("text-lg font-semibold no-underline text-primary truncate") \
            .classes("min-h-[40px] leading-[40px]").mark("home-link")  # a 40 px target on a phone
        if title:
            ui.label(f"· {title}").classes(f"{theme.MUTED} truncate max-sm:hidden")
        ui.space()
        theme_toggle()
        if user.is_admin:
            ui.button(icon="admin_panel_settings", on_click=lambda: ui.navigate.to("/admin")) \
                .props('flat round dense aria-label="Admin" data-testid="admin-link"').mark("admin-link")
        ui.button(icon="account_circle", on_click=lambda: ui.navigate.to("/account")) \
            .props('flat round dense aria-label="Account" data-testid="account-link"').mark("account-link") \
            .tooltip(user.email)
        if not single_user:
            ui.button("Sign out", icon="logout", on_click=lambda: ui.navigate.to("/logout")) \
                .props('flat dense no-caps data-testid="sign-out"').mark("sign-out")
    return header
