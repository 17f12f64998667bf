"""``GET /api/v1/admin/backup`` and ``POST /api/v1/admin/restore``: the whole studio, out and back in.

The backup streams as it is made (``core.backup.backup_stream``, iterated in a worker thread by the
response), so a large gallery is never held. A backup cut short by a dropped connection or a failure
part-way is a truncated tar, which a restore refuses.

The restore takes the archive as the raw request body (``Content-Type: application/x-tar``), written
to a temporary file in the data directory as it arrives and never held in memory; its size is
bounded by ``STUDIO_MAX_RESTORE_BYTES`` (16 GiB unless set) through the request guard's
:func:`restore_body_rule`. It is refused with 409 at once, before the body is read, unless the instance
is empty (``core.backup.restore``'s rule: no account but the admin asking), and with 400 when the
archive does not verify; either way nothing is changed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel

from api.deps import AdminUser, StudioDep
from api.errors import error_response
from api.request_guard import BodyRule
from api.schemas import ErrorOut
from core.backup import InstanceNotEmpty, backup_filename, backup_stream
from core.backup.upload import restore_upload
from core.config import Settings

RESTORE_PATH = "/api/v1/admin/restore"

router = APIRouter(prefix="/api/v1/admin", tags=["admin"],
                   responses={code: {"model": ErrorOut} for code in (401, 403)})


class RestoreOut(BaseModel):
    """What was restored; the admin who restored signs in again with an account from the backup."""

    rows: dict[str, int]
    files: int
    file_bytes: int
    schema_revision: str
    studio_version: str
    created_at: str


def restore_body_rule(settings: Settings) -> BodyRule:
    """The restore route's body limit for the request guard (an admin's bearer token is checked first)."""
    return BodyRule(RESTORE_PATH, settings.max_restore_bytes)


@router.get("/backup", response_class=StreamingResponse,
            responses={200: {"description": "The backup archive (a tar: tables as JSON lines, files, manifest)",
                             "content": {"application/x-tar": {"schema": {"type": "string", "format": "binary"}}}}})
def download_backup(_admin: AdminUser, studio: StudioDep) -> StreamingResponse:
    """Every table, every stored file and a manifest of SHA-256 sums, streamed as one tar archive."""
    return StreamingResponse(backup_stream(studio.ctx.db, studio.ctx.storage), media_type="application/x-tar",
                             headers={"Content-Disposition": f'attachment; filename="{backup_filename()}"',
                                      "Cache-Control": "no-store"})


@router.post("/restore", response_model=RestoreOut, responses={400: {"model": ErrorOut}, 409: {"model": ErrorOut},
                                                                 413: {"model": ErrorOut}},
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/x-tar": {"schema": {"type": "string", "format": "binary"}}}}})
async def restore(admin: AdminUser, studio: StudioDep, request: Request) -> Any:
    """Restore a backup (the raw body) into this instance, which must be empty: 409 otherwise."""
    if request.headers.get("content-type", "").startswith("multipart/"):
        return error_response(400, "Send the archive itself as the request body (Content-Type: application/x-tar), "
                                   "not as a form upload", "bad_request")
    try:
        summary = await restore_upload(studio.ctx, request.stream(), admin.id)
    except InstanceNotEmpty as exc:
        return _not_empty(exc)
    return RestoreOut(**summary.doc())


def _not_empty(exc: InstanceNotEmpty) -> JSONResponse:
    return error_response(409, exc.message, exc.code)
