"""Mount every API router and the error handlers on the app."""

from __future__ import annotations

from importlib import metadata
from typing import Any

from fastapi import APIRouter, FastAPI

from api import (
    account_routes,
    card_routes,
    catalog_routes,
    character_routes,
    health_routes,
    portrait_function,
    storage_routes,
)
from api.errors import install_error_handlers
from api.schemas import CharacterOut
from core.container import Studio
from storage.local import LocalStorage

# The card router comes before the character router: ``POST /characters/import`` is its own route.
ROUTERS = (portrait_function.router, account_routes.router, card_routes.router, character_routes.router,
           catalog_routes.router, health_routes.router)

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


def register_api(app: FastAPI, studio: Studio) -> None:
    """Include the routers and the error handlers; routes reach ``studio`` through ``app.state.studio``."""
    install_error_handlers(app, lambda row: CharacterOut.model_validate(row).model_dump(mode="json"))
    app.include_router(api_router)
    if isinstance(studio.ctx.storage, LocalStorage):  # S3 serves its own presigned URLs
        app.include_router(storage_routes.router, prefix=studio.ctx.storage.url_prefix)
