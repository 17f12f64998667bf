"""Character Studio: ``python main.py`` serves; ``python main.py COMMAND`` runs an admin command.

Commands: ``migrate``, ``create-user EMAIL [--admin]`` (password from stdin or a prompt, never argv),
``create-token EMAIL [--name NAME]`` (prints the token once), ``backup FILE`` and ``restore FILE``
(``-`` for stdout / stdin; see README, "Backup and restore"), ``rotate-secret-key [--new-key-stdin]``
(re-encrypts stored provider keys; README, "Providers and models").
"""

from __future__ import annotations

import sys

from nicegui import app, ui

from api.request_guard import MULTIPART_OVERHEAD, BodyRule
from api.routes import API_DOCS, register_api
from core.bootstrap import build_context, prepare_database, protect_files
from core.config import Settings, UnsafeConfiguration, check_serving
from core.container import Studio
from ui.components.file_picker import UPLOAD_PATH
from ui.memory import keep_collections_short
from ui.pages import register_pages
from ui.restore_upload import PREFIX as RESTORE_PREFIX

COMMANDS = ("serve", "migrate", "create-user", "create-token", "backup", "restore", "rotate-secret-key")


def create_app(studio: Studio) -> None:
    """Register every page and route on NiceGUI's app; called once, before ``ui.run``."""
    app.state.studio = studio  # for tests and admin hooks; pages get it passed explicitly
    settings = studio.ctx.settings
    uploads = BodyRule(UPLOAD_PATH, settings.max_upload_bytes + MULTIPART_OVERHEAD, needs_token=False)
    restores = BodyRule(RESTORE_PREFIX, settings.max_restore_bytes, needs_token=False)  # the link is the key
    register_api(app, studio, extra_body_rules=[uploads, restores])
    register_pages(studio)
    app.on_startup(studio.start)
    keep_collections_short()  # after the studio's start-up: what it made lives as long as the process
    app.on_shutdown(studio.stop)


def serve() -> None:
    settings = Settings()  # read fresh: the test harness runs this file once per test
    try:
        check_serving(settings)
    except UnsafeConfiguration as exc:
        sys.exit(f"Character Studio refuses to start: {exc}")
    protect_files(settings)
    ctx = build_context(settings)
    prepare_database(ctx)
    create_app(Studio.create(ctx))
    print(f"Character Studio: http://{settings.host}:{settings.port}", flush=True)
    ui.run(
        host=settings.host,
        port=settings.port,
        title="Character Studio",
        language="en-US",  # <html lang>: screen readers pick their voice from it; Quasar's words too
        reload=False,
        show=False,
        storage_secret=settings.resolved_secret_key(),
        reconnect_timeout=settings.reconnect_timeout,
        fastapi_docs=API_DOCS,  # serves /openapi.json, /docs and /redoc (NiceGUI turns them off otherwise)
        forwarded_allow_ips=settings.forwarded_allow_ips,  # proxies whose X-Forwarded-Proto is believed
    )


if __name__ == "__main__":  # not "__mp_main__": worker processes must never start a server
    command = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] in COMMANDS else "serve"
    if command == "serve":
        serve()
    else:
        from core.cli import run_command

        sys.exit(run_command(sys.argv[1:]))
