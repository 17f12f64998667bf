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

import asyncio
import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel

from api.deps import AdminUser, StudioDep
from api.errors import error_response
from api.request_guard import BodyRule
from api.schemas import ErrorOut
from core.backup import InstanceNotEmpty, backup_filename, backup_stream, restore_backup
from core.backup.restore import require_empty
from core.config import Settings
from core.container import Studio

RESTORE_PATH = "/api/v1/admin/restore"
_WRITE_EVERY = 1024 * 1024  # body chunks are gathered to about this much per write (one thread trip each)

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
        await asyncio.to_thread(_require_empty, studio, admin.id)
        path = await _spool(request, studio.ctx.settings.data_dir)
        try:
            summary = await asyncio.to_thread(restore_backup, studio.ctx.db, studio.ctx.storage, path,
                                              actor_id=admin.id)
        finally:
            await asyncio.to_thread(_discard, path)
    except InstanceNotEmpty as exc:
        return _not_empty(exc)
    return RestoreOut(**summary.doc())


def _require_empty(studio: Studio, actor_id: str) -> None:
    with studio.ctx.db.read() as session:
        require_empty(session.connection(), studio.ctx.storage, actor_id)


async def _spool(request: Request, directory: Path) -> Path:
    """The body in a private temporary file, written in chunks of about a megabyte as it arrives."""
    handle, path = await asyncio.to_thread(_temp_file, directory)
    try:
        with handle:
            pending: list[bytes] = []
            held = 0
            async for chunk in request.stream():
                pending.append(chunk)
                held += len(chunk)
                if held >= _WRITE_EVERY:
                    await asyncio.to_thread(handle.write, b"".join(pending))
                    pending, held = [], 0
            await asyncio.to_thread(handle.write, b"".join(pending))
    except BaseException:
        await asyncio.to_thread(_discard, path)
        raise
    return path


def _temp_file(directory: Path) -> tuple[BinaryIO, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".restore-upload-", suffix=".tar", dir=directory)  # 0600
    return os.fdopen(fd, "wb"), Path(name)


def _discard(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _not_empty(exc: InstanceNotEmpty) -> JSONResponse:
    return error_response(409, exc.message, exc.code)
