"""Bodies are bounded, and API callers authenticated, before a byte of the body is read.

FastAPI parses a body (and spools a multipart one to a temporary file) before any dependency runs, so
the bearer-token check came after a 300 MB upload had landed in /tmp, and a 300 MB JSON body was
parsed into memory before its 401. This ASGI middleware runs first:

1. A request whose ``Content-Length`` passes its route's limit is answered 413 at once.
2. A body-carrying API request without a valid bearer token is answered 401 at once (the token is
   checked the same way the routes' ``CurrentUser`` dependency checks it).
3. A body that streams in without a length (chunked) is counted as it arrives and cut at the limit:
   the caller gets 413, and the app sees its client go away.

Limits per route come from :class:`BodyRule` s (path prefixes, longest first); everything else gets
``default_limit``, a few MB, which is plenty for JSON.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import AuthError

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
DEFAULT_LIMIT = 2 * 1024 * 1024
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around one file

Authenticate = Callable[[str], object]  # raises AuthError for a bad "Authorization" header


@dataclass(frozen=True)
class BodyRule:
    """Requests whose path starts with ``prefix`` (and, if given, ends with ``suffix``) may send
    ``limit`` bytes; ``needs_token`` makes a bearer token a precondition of reading the body."""

    prefix: str
    limit: int
    suffix: str = ""
    needs_token: bool = True

    def matches(self, path: str) -> bool:
        return path.startswith(self.prefix) and path.endswith(self.suffix)


def api_body_rules(max_upload_bytes: int, max_reference_chars: int) -> list[BodyRule]:
    """The API's limits: uploads take the upload limit plus multipart overhead, the portrait function
    a ``data:`` reference as long as an upload, everything else the JSON default; every body but the
    token exchange's waits for a valid bearer token."""
    upload = max_upload_bytes + MULTIPART_OVERHEAD
    return [
        BodyRule("/api/v1/characters/import", upload),
        BodyRule("/api/v1/characters/", upload, suffix="/reference-image"),
        BodyRule("/api/v1/characters/", upload, suffix="/image"),  # an expression label's own image
        BodyRule("/functions/v1/character-portrait", max_reference_chars + MULTIPART_OVERHEAD),
        BodyRule("/api/v1/auth/token", DEFAULT_LIMIT, needs_token=False),
        BodyRule("/api/", DEFAULT_LIMIT),
        BodyRule("/functions/", DEFAULT_LIMIT),
    ]


class RequestGuard:
    """The ASGI middleware; ``authenticate`` runs in a worker thread (it reads the database)."""

    def __init__(self, app: ASGIApp, *, rules: Sequence[BodyRule], authenticate: Authenticate,
                 default_limit: int = DEFAULT_LIMIT) -> None:
        self.app = app
        self.rules = sorted(rules, key=lambda r: len(r.prefix) + len(r.suffix), reverse=True)
        self.authenticate = authenticate
        self.default_limit = default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        rule = next((r for r in self.rules if r.matches(path)), None)
        limit = rule.limit if rule is not None else self.default_limit
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if _declared_length(headers) > limit:
            await _reject(send, 413, _too_large(limit), "body_too_large")
            return
        if rule is not None and rule.needs_token:
            try:
                await asyncio.to_thread(self.authenticate, headers.get("authorization", ""))
            except AuthError as exc:
                await _reject(send, 401, exc.message, exc.code)
                return
        await self._bounded(scope, receive, send, limit)

    async def _bounded(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Count the body as it streams in; past ``limit`` answer 413 ourselves and tell the app the
        client went away (so it stops reading), dropping whatever it still tries to send."""
        received = 0
        started = False
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await _reject(send, 413, _too_large(limit), "body_too_large")
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counting_receive, tracking_send)


def _declared_length(headers: dict[str, str]) -> int:
    try:
        return int(headers.get("content-length", "0") or 0)
    except ValueError:
        return 0


def _too_large(limit: int) -> str:
    return f"The request body is larger than this route accepts ({limit / 1024 / 1024:.1f} MB)"


async def _reject(send: Send, status: int, message: str, code: str) -> None:
    body = json.dumps({"success": False, "error": message, "code": code}).encode()
    headers: list[tuple[bytes, bytes]] = [(b"content-type", b"application/json"),
                                          (b"content-length", str(len(body)).encode()),
                                          (b"connection", b"close")]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
