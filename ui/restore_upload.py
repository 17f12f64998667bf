"""The admin page's restore upload: the browser POSTs the archive file itself to a one-time link.

A NiceGUI upload would hand the page the whole file; a backup of a large gallery is gigabytes. So
the page gives its browser a link (128 random bits, for the admin who asked, good once within
:data:`LINK_TTL_S`) and the browser sends the file as the request body, which
:func:`core.backup.upload.restore_upload` spools to disk and restores. The link is the capability,
as for downloads (:mod:`ui.card_downloads`); the request guard bounds the body
(``STUDIO_MAX_RESTORE_BYTES``, see :func:`restore_upload_rule`).
"""

from __future__ import annotations

import secrets
import threading
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from core.backup import InstanceNotEmpty
from core.backup.upload import restore_upload
from core.context import Context
from core.errors import StudioError

PREFIX = "/_studio/restore-upload/"
LINK_TTL_S = 600.0


class RestoreLinks:
    """One-time upload links, each naming the admin it was made for."""

    def __init__(self, ttl_s: float = LINK_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._waiting: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def offer(self, admin_id: str) -> str:
        """The path the admin's browser POSTs the archive to."""
        token = secrets.token_urlsafe(16)
        now = time.monotonic()
        with self._lock:
            for stale in [t for t, (made, _) in self._waiting.items() if now - made > self.ttl_s]:
                del self._waiting[stale]
            self._waiting[token] = (now, admin_id)
        return PREFIX + token

    def take(self, token: str) -> str | None:
        """The admin behind ``token``, once; None if unknown, used or expired."""
        with self._lock:
            made, admin_id = self._waiting.pop(token, (0.0, ""))
        return admin_id if admin_id and time.monotonic() - made <= self.ttl_s else None


links = RestoreLinks()  # the app's one registry: the page offers, the route takes


def register_restore_upload(app: FastAPI, ctx: Context, registry: RestoreLinks = links) -> None:
    @app.post(PREFIX + "{token}", include_in_schema=False)
    async def upload(token: str, request: Request) -> JSONResponse:
        admin_id = registry.take(token)
        if admin_id is None:
            return _answer(404, "This restore link has expired: choose the file again")
        try:
            summary = await restore_upload(ctx, request.stream(), admin_id)
        except InstanceNotEmpty as exc:
            return _answer(409, exc.message)
        except StudioError as exc:  # BackupRefused among them: the archive does not verify
            return _answer(400, exc.message)
        return JSONResponse({"success": True, **summary.doc()})


def _answer(status: int, message: str) -> JSONResponse:
    return JSONResponse({"success": False, "error": message}, status_code=status)
