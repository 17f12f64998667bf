"""Card exports and stored portraits reach the browser as an HTTP download, streamed, not through
the websocket, under a name a person recognises (``Iris Vale 3.png``, never an id).

``ui.download.content`` would push the file's bytes down the tab's websocket as one message - a
CHARX of a large gallery is hundreds of megabytes, joined in memory first. Instead the tab that
exported gets a one-time link: the route streams the export piece by piece (a streamed export reads
its stored files one at a time as the download goes), with its name in ``Content-Disposition``.

The link is the capability: 128 random bits, handed only to the tab that asked (over its websocket),
good for one download within :data:`LINK_TTL_S`. The export was authorised when it was made; a
stored portrait is offered only under its owner's prefix (the tab checks, see :func:`offer_stored`).
A signed storage URL alone could not carry the name: a cross-origin URL (S3) makes the browser
ignore the link's ``download`` name, so the name travels in ``Content-Disposition``.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Protocol

from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse
from nicegui import ui

from core.cards.export import content_disposition, safe_filename
from storage.base import Storage

ROUTE = "/_studio/card-download/{token}"
LINK_TTL_S = 300.0


class Downloadable(Protocol):
    """What a link serves: an ``ExportedCard``, or a :class:`StoredFile`."""

    @property
    def filename(self) -> str: ...
    @property
    def media_type(self) -> str: ...
    @property
    def size(self) -> int | None: ...  # None: not known before it is made (a backup)
    def stream(self) -> Iterator[bytes | memoryview]: ...


@dataclass(frozen=True)
class StoredFile:
    """One stored object under a chosen name; read only when the browser fetches it."""

    storage: Storage
    bucket: str
    key: str
    filename: str
    media_type: str
    size: int

    def stream(self) -> Iterator[bytes | memoryview]:
        """Blocking read (the route iterates it in a worker thread)."""
        yield self.storage.get(self.bucket, self.key)


def numbered_filename(name: str, number: int, key_or_url: str) -> str:
    """``Iris Vale 3.png``: the character's name, the portrait's number, the stored file's extension."""
    suffix = PurePosixPath(key_or_url.split("?", 1)[0]).suffix.lstrip(".").lower() or "png"
    return safe_filename(f"{(name or '').strip() or 'Portrait'} {number}", suffix)


def stored_file(storage: Storage, bucket: str, key: str, filename: str) -> StoredFile:
    """Blocking (a stat): run it in a worker thread."""
    info = storage.stat(bucket, key)
    return StoredFile(storage, bucket, key, filename, info.content_type or "application/octet-stream", info.size)


class CardDownloads:
    """Downloads waiting for their tab's browser to fetch them."""

    def __init__(self, ttl_s: float = LINK_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._waiting: dict[str, tuple[float, Downloadable]] = {}
        self._lock = threading.Lock()

    def offer(self, card: Downloadable) -> str:
        """The token under which ``card`` can be downloaded once (see :func:`offer_to_tab`)."""
        token = secrets.token_urlsafe(16)
        now = time.monotonic()
        with self._lock:
            for stale in [t for t, (made, _card) in self._waiting.items() if now - made > self.ttl_s]:
                del self._waiting[stale]
            self._waiting[token] = (now, card)
        return token

    def take(self, token: str) -> Downloadable | None:
        """The export behind ``token``, once; None if unknown, taken already or expired."""
        with self._lock:
            made, card = self._waiting.pop(token, (0.0, None))
        return card if card is not None and time.monotonic() - made <= self.ttl_s else None

    def discard(self, token: str) -> None:
        """Forget an export nobody will fetch (its tab closed), so its held images go with it."""
        with self._lock:
            self._waiting.pop(token, None)

    def __len__(self) -> int:
        return len(self._waiting)


downloads = CardDownloads()  # the app's one registry: the tabs offer, the route takes


def offer_to_tab(card: Downloadable, registry: CardDownloads = downloads) -> None:
    """Start the current tab's download of ``card``; it is forgotten with the tab if never fetched
    (a held export keeps up to ``export_hold_bytes`` of images in memory until then)."""
    token = registry.offer(card)
    ui.context.client.on_delete(lambda: registry.discard(token))
    ui.download.from_url(ROUTE.format(token=token), card.filename, card.media_type)


def register_card_downloads(app: FastAPI, registry: CardDownloads = downloads) -> None:
    @app.get(ROUTE, include_in_schema=False)
    def download_card(token: str) -> StreamingResponse:
        card = registry.take(token)
        if card is None:
            raise HTTPException(status_code=404, detail="This download link has expired; export again")
        headers = {"Content-Disposition": content_disposition(card.filename), "Cache-Control": "no-store"}
        if card.size is not None:
            headers["Content-Length"] = str(card.size)
        return StreamingResponse(card.stream(), media_type=card.media_type, headers=headers)
