"""Character Studio: ``python main.py`` serves; ``python main.py COMMAND`` runs an admin command.

Commands: ``migrate``, ``create-user EMAIL [--admin]`` (password from stdin or a prompt, never argv),
``create-token EMAIL [--name NAME]`` (prints the token once).
"""

from __future__ import annotations

import sys

from nicegui import app, ui

from api.routes import register_api
from core.bootstrap import build_context, prepare_database
from core.config import get_settings
from core.context import Context
from ui.pages import register_pages

COMMANDS = ("serve", "migrate", "create-user", "create-token")


def create_app(ctx: Context) -> None:
    """Register every page and route on NiceGUI's app; called once, before ``ui.run``."""
    register_api(app, ctx)
    register_pages(ctx)
    app.on_startup(ctx.events.start)
    app.on_shutdown(ctx.events.stop)
    app.on_shutdown(ctx.db.dispose)


def serve() -> None:
    settings = get_settings()
    ctx = build_context(settings)
    prepare_database(ctx)
    create_app(ctx)
    print(f"Character Studio: http://{settings.host}:{settings.port}", flush=True)
    ui.run(
        host=settings.host,
        port=settings.port,
        title="Character Studio",
        reload=False,
        show=False,
        storage_secret=settings.resolved_secret_key(),
        reconnect_timeout=settings.reconnect_timeout,
    )


if __name__ in {"__main__", "__mp_main__"}:
    command = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] in COMMANDS else "serve"
    if command == "serve":
        serve()
    else:
        from core.cli import run_command

        sys.exit(run_command(sys.argv[1:]))
