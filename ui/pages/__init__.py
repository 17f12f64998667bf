"""Pages: each module registers its routes and composes components."""

from __future__ import annotations

from core.container import Studio


def register_pages(studio: Studio) -> None:
    from nicegui import app

    from ui import theme
    from ui.card_downloads import register_card_downloads
    from ui.components.file_picker import register_upload_route
    from ui.memory import trim_after_pages_close
    from ui.pages import (
        account_page,
        admin_backup_page,
        admin_models_page,
        admin_page,
        admin_providers_page,
        admin_users_page,
        create_page,
        home_page,
        join_page,
        login_page,
        preview_page,
        studio_page,
    )
    from ui.restore_upload import register_restore_upload

    theme.configure()
    register_upload_route(app)
    register_card_downloads(app)
    register_restore_upload(app, studio.ctx)
    trim_after_pages_close(release=studio.ctx.db.release_idle_connections)

    login_page.register(studio)
    account_page.register(studio)
    home_page.register(studio)
    preview_page.register(studio)
    create_page.register(studio)
    studio_page.register(studio)
    admin_providers_page.register(studio)
    admin_page.register(studio)
    admin_users_page.register(studio)
    join_page.register(studio)
    admin_backup_page.register(studio)
    admin_models_page.register(studio)
