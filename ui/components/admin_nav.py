"""What the admin pages share: the not-found page non-admins get, and the tabs between the admin pages.

A non-admin sees the same "Page not found" as for an address that does not exist, so the admin pages
do not announce themselves (the API answers 403, the pages say nothing more than a missing page).
"""

from __future__ import annotations

from nicegui import ui

from ui import theme

ADMIN_PAGES = (("/admin/providers", "Providers", "hub"), ("/admin/models", "Models", "view_list"),
               ("/admin/users", "Users", "group"), ("/admin/backup", "Backup", "backup"))


def admin_not_found() -> None:
    """The page for anyone who may not see an admin page (or a closed sign-up): answered with HTTP 404, so
    a script probing the address learns as little as a person does."""
    ui.status_code(404)
    with ui.column().classes("w-full items-center py-16 gap-3 px-4"):
        ui.icon("search_off", size="3rem", color="placeholder")
        ui.label("Page not found").classes("text-xl font-semibold").mark("not-found")
        ui.label("There is nothing at this address.").classes(theme.MUTED)
        ui.button("Back to your characters", on_click=lambda: ui.navigate.to("/")).props("flat no-caps")


def admin_tabs(current: str) -> None:
    """Links between the admin pages; the current one is not a link."""
    with ui.row().classes("gap-1 items-center").props('role="navigation" aria-label="Admin pages"'):
        for path, label, icon in ADMIN_PAGES:
            if path == current:
                ui.button(label, icon=icon).props('unelevated no-caps aria-current="page"')
            else:
                ui.button(label, icon=icon, on_click=lambda p=path: ui.navigate.to(p)) \
                    .props("flat no-caps").mark(f"admin-nav-{label.lower()}")
