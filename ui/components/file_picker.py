"""A hidden file picker whose uploads go to one shared route of the app, not a route per element.

NiceGUI's ``ui.upload`` registers an HTTP route per element, and FastAPI keeps a cache of route
dependants that outlives the route: every closed studio tab stayed in memory through it (~1 MB per
tab). Here every picker posts to ``/_studio/upload/{token}``; the token maps weakly to the picker, so
a closed tab's picker (and the page behind it) can be collected, and an unknown token is a 404.

Every refusal reads as one plain sentence the person can act on: "That file is 12.3 MB; the limit
is 10 MB." (the browser's check, before anything is sent, and the server's alike), or "That file is
not a PNG, JPEG, WebP or HEIC image." (the picker's ``accept`` list, said in words).
"""

from __future__ import annotations

import json
import secrets
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from nicegui import ui
from nicegui.events import GenericEventArguments
from starlette.datastructures import UploadFile

UPLOAD_PATH = "/_studio/upload"
OnFile = Callable[[bytes, str], Awaitable[None]]
# Quasar's "rejected" hands over File objects, which do not survive JSON: send what the message needs
REJECTED_JS = "(entries) => emit(entries.map((e) => ({reason: e.failedPropValidation, size: e.file.size})))"
FAILED_JS = "(info) => emit({status: info.xhr ? info.xhr.status : 0, body: info.xhr ? info.xhr.responseText : ''})"
_IMAGE_KINDS = {"png", "jpeg", "jpg", "webp", "heic", "heif", "gif"}
_NAMES = {"jpeg": "JPEG", "jpg": "JPEG", "webp": "WebP", "heif": "HEIC", "heic": "HEIC", "charx": "CHARX"}
_pickers: weakref.WeakValueDictionary[str, FilePicker] = weakref.WeakValueDictionary()


class FilePicker(ui.element):
    """A hidden ``q-uploader``: call :meth:`pick` from a button; ``on_file`` gets the bytes and name."""

    def __init__(self, on_file: OnFile, *, accept: str, max_bytes: int) -> None:
        super().__init__("q-uploader")
        self.token = secrets.token_urlsafe(24)
        self.on_file = on_file
        self.max_bytes = max_bytes
        self.accept = accept
        self.props(f'url="{UPLOAD_PATH}/{self.token}" field-name=file auto-upload accept="{accept}" '
                   f"max-file-size={max_bytes}")
        self.classes("hidden")
        self.on("uploaded", lambda: self.run_method("reset"))
        self.on("failed", self._failed, js_handler=FAILED_JS)
        self.on("rejected", self._rejected, js_handler=REJECTED_JS)
        _pickers[self.token] = self

    def pick(self) -> None:
        self.run_method("pickFiles")

    async def deliver(self, data: bytes, filename: str) -> None:
        with self:
            await self.on_file(data, filename)

    def _rejected(self, event: GenericEventArguments) -> None:
        entries = _first_list(event.args)
        entry = entries[0] if entries and isinstance(entries[0], dict) else {}
        ui.notify(rejection_message(str(entry.get("reason") or ""), entry.get("size"), self.max_bytes, self.accept),
                  type="negative")

    def _failed(self, event: GenericEventArguments) -> None:
        self.run_method("reset")
        info = event.args[0] if isinstance(event.args, list) and event.args else event.args
        ui.notify(failure_message(info if isinstance(info, dict) else {}, self.max_bytes), type="negative")


def megabytes(size: int) -> str:
    """``12.3 MB``; a whole number without its ``.0`` (``10 MB``)."""
    text = f"{size / (1024 * 1024):.1f}"
    return f"{text.removesuffix('.0')} MB"


def too_large(size: int, limit: int) -> str:
    """"That file is 12.3 MB; the limit is 10 MB." - with a second decimal where one would make a
    file just over the limit look no larger than it."""
    shown = megabytes(size)
    if float(shown.split()[0]) <= limit / (1024 * 1024):
        shown = f"{size / (1024 * 1024):.2f} MB"
    return f"That file is {shown}; the limit is {megabytes(limit)}."


def accepted_kinds(accept: str) -> str:
    """The ``accept`` list in words: ``PNG, JPEG, WebP or HEIC image``, ``PNG, JSON or CHARX file``."""
    names: list[str] = []
    images = True
    for token in (t.strip().lower() for t in accept.split(",") if t.strip()):
        if token == "image/*":
            return "image"
        kind = token.split("/", 1)[1] if "/" in token else token.lstrip(".")
        images = images and (token.startswith("image/") or kind in _IMAGE_KINDS)
        name = _NAMES.get(kind, kind.upper())
        if name not in names:
            names.append(name)
    if not names:
        return "file"
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f"{listed} {'image' if images else 'file'}"


def rejection_message(reason: str, size: Any, max_bytes: int, accept: str) -> str:
    """What the browser's own check refused, in one sentence."""
    if reason == "max-file-size" and isinstance(size, int | float):
        return too_large(int(size), max_bytes)
    if reason == "max-file-size":
        return f"That file is larger than the limit of {megabytes(max_bytes)}."
    kinds = accepted_kinds(accept)
    article = "an" if kinds[0].lower() in "aeiou" else "a"
    return f"That file is not {article} {kinds}."


def failure_message(info: dict[str, Any], max_bytes: int) -> str:
    """What the server answered: the upload route's own ``detail`` (one sentence already), the
    request guard's refusal of a body past the limit (it does not know the file's size), or why
    nothing arrived."""
    try:
        body = json.loads(str(info.get("body") or "")) if info.get("body") else {}
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    if body.get("detail"):
        return one_sentence(str(body["detail"]))
    if info.get("status") == 413:
        return f"That file is larger than the limit of {megabytes(max_bytes)}."
    if body.get("error"):
        return one_sentence(str(body["error"]))
    return "The upload did not reach the server; check the connection and try again."


def one_sentence(message: str) -> str:
    """Two sentences of an error ("X is not accepted. Upload a PNG.") read as one ("…; upload a PNG.")."""
    text = " ".join(message.split())
    head, sep, tail = text.partition(". ")
    while sep and tail:
        tail = tail[0].lower() + tail[1:] if not tail[:2].isupper() else tail
        text = f"{head}; {tail}"
        head, sep, tail = text.partition(". ")
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _first_list(args: Any) -> list[Any]:
    if isinstance(args, list) and args and isinstance(args[0], list):
        return args[0]
    return args if isinstance(args, list) else []


def register_upload_route(app: FastAPI) -> None:
    """The one route every picker posts to; called once when the pages are registered."""

    @app.post(f"{UPLOAD_PATH}/{{token}}", include_in_schema=False)
    async def upload(token: str, request: Request) -> dict[str, bool]:
        picker = _pickers.get(token)
        if picker is None or picker.is_deleted:
            raise HTTPException(404, "This page has been closed; reload it and try again.")
        form = await request.form(max_files=1)
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise HTTPException(400, "The upload held no file; choose one and try again.")
        data = await file.read(picker.max_bytes + 1)
        if len(data) > picker.max_bytes:
            size = file.size if file.size is not None else len(data)
            raise HTTPException(413, too_large(size, picker.max_bytes))
        await picker.deliver(data, file.filename or "upload")
        return {"ok": True}
