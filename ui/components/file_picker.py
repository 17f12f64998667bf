"""A hidden file picker whose uploads go to one shared route of the app, not a route per element.

NiceGUI's ``ui.upload`` registers an HTTP route per element, and FastAPI keeps a cache of route
dependants that outlives the route: every closed studio tab stayed in memory through it (~1 MB per
tab). Here every picker posts to ``/_studio/upload/{token}``; the token maps weakly to the picker, so
a closed tab's picker (and the page behind it) can be collected, and an unknown token is a 404.
"""

from __future__ import annotations

import secrets
import weakref
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, HTTPException, Request
from nicegui import ui
from starlette.datastructures import UploadFile

UPLOAD_PATH = "/_studio/upload"
OnFile = Callable[[bytes, str], Awaitable[None]]
_pickers: weakref.WeakValueDictionary[str, FilePicker] = weakref.WeakValueDictionary()


class FilePicker(ui.element):
    """A hidden ``q-uploader``: call :meth:`pick` from a button; ``on_file`` gets the bytes and name."""

    def __init__(self, on_file: OnFile, *, accept: str, max_bytes: int) -> None:
        super().__init__("q-uploader")
        self.token = secrets.token_urlsafe(24)
        self.on_file = on_file
        self.max_bytes = max_bytes
        self.props(f'url="{UPLOAD_PATH}/{self.token}" field-name=file auto-upload accept="{accept}" '
                   f"max-file-size={max_bytes}")
        self.classes("hidden")
        self.on("uploaded", lambda: self.run_method("reset"))
        self.on("failed", self._failed)
        self.on("rejected", lambda: ui.notify("That file is too large or of the wrong type", type="negative"))
        _pickers[self.token] = self

    def pick(self) -> None:
        self.run_method("pickFiles")

    async def deliver(self, data: bytes, filename: str) -> None:
        with self:
            await self.on_file(data, filename)

    def _failed(self) -> None:
        self.run_method("reset")
        ui.notify("The upload did not reach the server", type="negative")


def register_upload_route(app: FastAPI) -> None:
    """The one route every picker posts to; called once when the pages are registered."""

    @app.post(f"{UPLOAD_PATH}/{{token}}", include_in_schema=False)
    async def upload(token: str, request: Request) -> dict[str, bool]:
        picker = _pickers.get(token)
        if picker is None or picker.is_deleted:
            raise HTTPException(404, "This page is gone; reload it")
        form = await request.form(max_files=1)
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise HTTPException(400, "No file in the upload")
        data = await file.read(picker.max_bytes + 1)
        if len(data) > picker.max_bytes:
            raise HTTPException(413, "The file is too large")
        await picker.deliver(data, file.filename or "upload")
        return {"ok": True}
