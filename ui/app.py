"""Wire the service container into NiceGUI: pages, API routes, start-up and shutdown."""

from __future__ import annotations

from nicegui import app

from core.context import Context


def create_app(ctx: Context) -> None:
    """Register every page and route on NiceGUI's app; called once, before ``ui.run``."""
    from api.routes import register_api
    from ui.pages import register_pages

    register_api(app, ctx)
    register_pages(ctx)
    app.on_startup(ctx.events.start)
    app.on_shutdown(ctx.events.stop)
    app.on_shutdown(ctx.db.dispose)
