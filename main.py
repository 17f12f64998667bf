"""Character Studio: ``python main.py`` serves; ``python main.py COMMAND`` runs an admin command.

Commands: ``migrate``, ``create-user EMAIL [--admin]`` (password from stdin or a prompt, never argv),
``create-token EMAIL [--name NAME]`` (prints the token once).
"""

from __future__ import annotations

import sys

from nicegui import ui

from core.bootstrap import build_context, prepare_database
from core.config import get_settings
from ui.app import create_app

COMMANDS = ("serve", "migrate", "create-user", "create-token")


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
