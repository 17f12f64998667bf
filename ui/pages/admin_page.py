"""``/admin``: the admin's landing page, one link each to users, providers, models and backup.

Admins only: anyone else gets the not-found page, as for an address that does not exist. The links are
plain links (real ``<a href>``), so they open in a new tab and a screen reader lists them as links.
"""

from __future__ import annotations

from nicegui import ui

from core.container import Studio
from ui import theme
from ui.components.admin_nav import admin_not_found
from ui.components.app_header import app_header
from ui.session import require_user

SECTIONS = (
    ("/admin/users", "Users", "group", "Create accounts, invite people, disable accounts, reset passwords."),
    ("/admin/providers", "Providers", "hub", "Where images and suggestions come from, and their keys."),
    ("/admin/models", "Models", "view_list", "Which models generate, in which order, with which defaults."),
    ("/admin/backup", "Backup", "backup", "Download the whole studio as one archive, or restore one."),
)


def register(studio: Studio) -> None:
    @ui.page("/admin", title="Admin · Character Studio")
    async def admin_home() -> None:
        theme.apply()
        user = await require_user(studio, "/admin")
        if user is None:
            return
        app_header(user, single_user=studio.ctx.settings.auth == "none", title="Admin")
        if not user.is_admin:
            admin_not_found()
            return
        with ui.column().classes(theme.NARROW_PAGE):
            ui.label("Admin").classes(theme.PAGE_TITLE)
            with ui.element("nav").classes("w-full grid grid-cols-1 sm:grid-cols-2 gap-3") \
                    .props('aria-label="Admin sections"'):
                for path, label, icon, hint in SECTIONS:
                    _section_link(path, label, icon, hint)


def _section_link(path: str, label: str, icon: str, hint: str) -> None:
    """A whole card as one link: a large target on a phone, one name for a screen reader."""
    link = ui.link(target=path).classes("no-underline text-on-surface block rounded-borders") \
        .props(f'data-testid="admin-link-{label.lower()}"').mark(f"admin-link-{label.lower()}")
    with link, ui.card().classes("w-full h-full min-h-[88px]").props("flat bordered"):
        with ui.row().classes("items-center gap-2 no-wrap"):
            ui.icon(icon, color="primary", size="1.5rem")
            ui.label(label).classes("text-lg font-semibold")
        ui.label(hint).classes(theme.HINT)
