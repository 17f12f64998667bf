"""Mount the API routers on the app."""

from __future__ import annotations

from fastapi import FastAPI

from core.context import Context


def register_api(app: FastAPI, ctx: Context) -> None:
    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        with ctx.db.read() as session:
            session.connection().exec_driver_sql("SELECT 1")
        return {"status": "ok"}
