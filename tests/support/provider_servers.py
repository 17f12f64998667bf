"""Loopback HTTP servers for the provider adapter tests: real sockets on 127.0.0.1, no mocked httpx.

A test builds the protocol out of small aiohttp handlers (they live in the test module, next to the
assertions about them) on a :class:`LoopbackServer` started on a free port in the test's own event
loop. Every request is recorded before its handler runs, and a test (or a handler) awaits "the n-th
request to X arrived" on a condition instead of sleeping.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from aiohttp import web
from PIL import Image

from core.generation.providers.base import Progress

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
WAIT_S = 5.0  # upper bound for awaiting an event that should arrive in milliseconds


def png_bytes(color: tuple[int, int, int] = (200, 40, 90), size: int = 8) -> bytes:
    """A real, tiny PNG (adapters pass bytes through; tests compare them exactly)."""
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class Received:
    """One request as the server saw it: header names are lower-case."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, tuple[str | None, bytes]]:
        """Multipart fields as ``name -> (filename, bytes)``, parsed independently of the client."""
        raw = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode() + self.body
        message = BytesParser(policy=HTTP).parsebytes(raw)
        fields: dict[str, tuple[str | None, bytes]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            fields[str(name)] = (part.get_filename(), part.get_payload(decode=True) or b"")
        return fields


class LoopbackServer:
    """An aiohttp app on 127.0.0.1:<free port> that records requests and can hang on demand."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.released = asyncio.Event()  # set at close: every hanging handler returns
        self._arrived = asyncio.Condition()
        self._routes: dict[tuple[str, str], Handler] = {}
        self.app = web.Application(middlewares=[self._record])
        self.app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner: web.AppRunner | None = None
        self.url = ""

    def route(self, method: str, path: str, handler: Handler) -> None:
        """Answer ``method path`` with ``handler``; routes may be added while running (URLs are known)."""
        self._routes[(method.upper(), path)] = handler

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        handler = self._routes.get((request.method, request.path))
        if handler is None:
            return web.json_response({"detail": "Not Found"}, status=404)
        return await handler(request)

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        self.released.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def calls(self, method: str | None = None, path: str | None = None) -> list[Received]:
        return [r for r in self.received if (method is None or r.method == method) and (path is None or r.path == path)]

    async def wait_for(self, method: str, path: str, count: int = 1) -> Received:
        """The ``count``-th request to ``method path``, awaited (never polled with sleeps)."""
        async with asyncio.timeout(WAIT_S), self._arrived:
            await self._arrived.wait_for(lambda: len(self.calls(method, path)) >= count)
            return self.calls(method, path)[count - 1]

    async def hang(self) -> web.Response:
        """Never answer while the test runs (the client must time out); released at close."""
        await self.released.wait()
        return web.Response(status=503)

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        received = Received(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers={key.lower(): value for key, value in request.headers.items()},
            body=await request.read(),
        )
        self.received.append(received)
        async with self._arrived:
            self._arrived.notify_all()
        return await handler(request)


@asynccontextmanager
async def running_server() -> AsyncIterator[LoopbackServer]:
    server = LoopbackServer()
    await server.start()
    try:
        yield server
    finally:
        await server.close()


def reply(status: int = 200, json_body: Any = None, *, text: str | None = None,
          headers: dict[str, str] | None = None) -> Handler:
    """A handler that answers the same thing every time (a fresh response object per request)."""
    async def handler(request: web.Request) -> web.StreamResponse:
        if text is not None:
            return web.Response(status=status, text=text, headers=headers, content_type="text/plain")
        return web.json_response(json_body, status=status, headers=headers)

    return handler


def sequence(*handlers: Handler) -> Handler:
    """A handler that answers with each of ``handlers`` in turn, then repeats the last one."""
    step = 0

    async def handler(request: web.Request) -> web.StreamResponse:
        nonlocal step
        current = handlers[min(step, len(handlers) - 1)]
        step += 1
        return await current(request)

    return handler


class ProgressLog:
    """A progress callback that keeps what it got."""

    def __init__(self) -> None:
        self.events: list[Progress] = []

    def __call__(self, progress: Progress) -> None:
        self.events.append(progress)

    def stages(self) -> list[str]:
        return [event.stage for event in self.events]


# -- background removers: the request shapes of fal's BiRefNet and Replicate's background-remover --------

FAL_BIREFNET = "fal-ai/birefnet"
REPLICATE_REMOVER_VERSION = "a029dff38972b5fda4ec5d75d7d1cd25aeff621d2cf4946a41055d7db66b80bc"
CUT_OUT_PATH = "/files/cut-out.png"


def transparent_png(size: int = 16) -> bytes:
    """A real RGBA PNG with a transparent border around an opaque square: what a remover answers."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    image.paste((220, 120, 90, 255), (size // 4, size // 4, size * 3 // 4, size * 3 // 4))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def serve_file(server: LoopbackServer, path: str, data: bytes, content_type: str = "image/png") -> str:
    """Serve ``data`` at ``path`` (the provider's CDN); returns its absolute URL."""
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=data, content_type=content_type)

    server.route("GET", path, handler)
    return server.url + path


def serve_fal_birefnet(server: LoopbackServer, cut_out: bytes, *, request_id: str = "bg-1") -> None:
    """fal's queue protocol for ``fal-ai/birefnet``: submit, COMPLETED, then ``{"image": {...}}`` (one image,
    not ``images``), whose URL serves ``cut_out``."""
    base = f"{server.url}/{FAL_BIREFNET}/requests/{request_id}"
    url = serve_file(server, CUT_OUT_PATH, cut_out)
    server.route("POST", f"/{FAL_BIREFNET}", reply(200, {"request_id": request_id, "response_url": base,
                                                         "status_url": f"{base}/status",
                                                         "cancel_url": f"{base}/cancel"}))
    server.route("GET", f"/{FAL_BIREFNET}/requests/{request_id}/status", reply(200, {"status": "COMPLETED"}))
    server.route("GET", f"/{FAL_BIREFNET}/requests/{request_id}",
                 reply(200, {"image": {"url": url, "content_type": "image/png", "width": 16, "height": 16,
                                       "file_name": "cut-out.png", "file_size": len(cut_out)}}))
    server.route("PUT", f"/{FAL_BIREFNET}/requests/{request_id}/cancel",
                 reply(202, {"status": "CANCELLATION_REQUESTED"}))


def serve_replicate_background_remover(server: LoopbackServer, cut_out: bytes) -> None:
    """Replicate's ``POST /v1/predictions`` for ``851-labs/background-remover:<version>`` (a community model:
    by version), answered at once (``Prefer: wait``) with ``output`` as one URL string."""
    url = serve_file(server, CUT_OUT_PATH, cut_out)
    base = f"{server.url}/v1/predictions/bg1"
    server.route("POST", "/v1/predictions", reply(201, {
        "id": "bg1", "status": "succeeded", "output": url, "error": None, "logs": "",
        "version": REPLICATE_REMOVER_VERSION, "metrics": {"predict_time": 0.4},
        "urls": {"get": base, "cancel": f"{base}/cancel"}}))
