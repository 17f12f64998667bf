"""``GET /healthz``: the process serves and its database answers."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import StudioDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(studio: StudioDep) -> dict[str, str]:
    with studio.ctx.db.read() as session:
        session.connection().exec_driver_sql("SELECT 1")
    return {"status": "ok"}
