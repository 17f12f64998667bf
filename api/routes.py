"""Mount every API router and the error handlers on the app."""

from __future__ import annotations

from fastapi import FastAPI

from api import account_routes, card_routes, catalog_routes, character_routes, portrait_function
from api.errors import install_error_handlers
from api.schemas import CharacterOut
from api.storage_routes import register_storage_routes
from core.container import Studio
from storage.local import LocalStorage


def register_api(app: FastAPI, studio: Studio) -> None:
    install_error_handlers(app, lambda row: CharacterOut.model_validate(row).model_dump(mode="json"))
    for module in (portrait_function, account_routes, card_routes, character_routes, catalog_routes):
        app.include_router(module.build_router(studio))

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        with studio.ctx.db.read() as session:
            session.connection().exec_driver_sql("SELECT 1")
        return {"status": "ok"}

    if isinstance(studio.ctx.storage, LocalStorage):
        register_storage_routes(app, studio.ctx.storage)
