"""Character Studio: ``python main.py`` serves; ``python main.py COMMAND`` runs an admin command.

Commands: ``migrate``, ``create-user EMAIL [--admin]`` (password from stdin or a prompt, never argv),
``create-token EMAIL [--name NAME]`` (prints the token once).
"""

from __future__ import annotations

import sys

from nicegui import app, ui

from api.routes import API_DOCS, register_api
from core.bootstrap import build_context, prepare_database
from core.config import Settings
from core.container import Studio
from ui.pages import register_pages

COMMANDS = ("serve", "migrate", "create-user", "create-token")


def create_app(studio: Studio) -> None:
    """Register every page and route on NiceGUI's app; called once, before ``ui.run``."""
    app.state.studio = studio  # for tests and admin hooks; pages get it passed explicitly
    register_api(app, studio)
    register_pages(studio)
    app.on_startup(studio.start)
    app.on_shutdown(studio.stop)


def serve() -> None:
    settings = Settings()  # read fresh: the test harness runs this file once per test
    ctx = build_context(settings)
    prepare_database(ctx)
    create_app(Studio.create(ctx))
    print(f"Character Studio: http://{settings.host}:{settings.port}", flush=True)
    ui.run(
        host=settings.host,
        port=settings.port,
        title="Character Studio",
        reload=False,
        show=False,
        storage_secret=settings.resolved_secret_key(),
        reconnect_timeout=settings.reconnect_timeout,
        fastapi_docs=API_DOCS,  # serves /openapi.json, /docs and /redoc (NiceGUI turns them off otherwise)
    )


if __name__ == "__main__":  # not "__mp_main__": worker processes must never start a server
    command = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] in COMMANDS else "serve"
    if command == "serve":
        serve()
    else:
        from core.cli import run_command

        sys.exit(run_command(sys.argv[1:]))
