"""Mount every API router and the error handlers on the app."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata
from typing import Any

from fastapi import APIRouter, FastAPI

from api import (
    account_routes,
    admin_backup_routes,
    admin_model_routes,
    admin_provider_routes,
    admin_user_routes,
    card_routes,
    catalog_routes,
    character_routes,
    expression_routes,
    health_routes,
    portrait_function,
    storage_routes,
)
from api.deps import user_from_header
from api.errors import install_error_handlers
from api.request_guard import BodyRule, RequestGuard, api_body_rules
from api.schemas import CharacterOut
from api.security_headers import SecurityHeaders
from core.container import Studio
from core.generation.references import max_reference_chars
from storage.local import LocalStorage

# The card router comes before the character router: ``POST /characters/import`` is its own route.
ROUTERS = (portrait_function.router, account_routes.router, card_routes.router, character_routes.router,
           expression_routes.router, catalog_routes.router, health_routes.router, admin_backup_routes.router,
           admin_provider_routes.router, admin_model_routes.router, admin_user_routes.router)

#: Every API router in one, put together once: the app includes one router, however many there are
#: (FastAPI wraps the app's lifespan once per ``include_router``, and tests register on one app per run).
api_router = APIRouter()
for _router in ROUTERS:
    api_router.include_router(_router)


def _version() -> str:
    try:
        return metadata.version("character-studio")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "0.0.0"


#: What ``/openapi.json`` and ``/docs`` say about the API; ``main.py`` passes it to ``ui.run(fastapi_docs=...)``,
#: NiceGUI's switch for FastAPI's docs (its ``App`` turns them off otherwise). NiceGUI keeps its own routes
#: and the pages out of the schema (``endpoint_documentation="none"``), so the schema is the API's alone.
API_DOCS: dict[str, Any] = {
    "title": "Character Studio API",
    "version": _version(),
    "description": "Bearer tokens from `POST /api/v1/auth/token` (or the account page): send "
                   "`Authorization: Bearer <token>`. Errors are `{success: false, error, code}`.",
}


def register_api(app: FastAPI, studio: Studio, extra_body_rules: Sequence[BodyRule] = ()) -> None:
    """Include the routers, the error handlers and the middlewares every request passes first: security
    headers, and the request guard (bodies bounded, API callers authenticated before a body is read;
    ``extra_body_rules`` for routes outside the API, such as the UI's upload route). Routes reach
    ``studio`` through ``app.state.studio``."""
    settings = studio.ctx.settings
    app.add_middleware(RequestGuard, rules=[*api_body_rules(settings.max_upload_bytes,
                                                             max_reference_chars(settings)),
                                                admin_backup_routes.restore_body_rule(settings), *extra_body_rules],
                       authenticate=lambda header: user_from_header(studio, header))
    app.add_middleware(SecurityHeaders)
    install_error_handlers(app, lambda row: CharacterOut.model_validate(row).model_dump(mode="json"))
    app.include_router(api_router)
    if isinstance(studio.ctx.storage, LocalStorage):  # S3 serves its own presigned URLs
        app.include_router(storage_routes.router, prefix=studio.ctx.storage.url_prefix)
