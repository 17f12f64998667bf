"""Who is signed in to this browser: a session token in an HttpOnly cookie, its row on the server.

Signing in happens in two steps. The form (over the websocket) checks the password, through the
throttle, and leaves a one-time *ticket*; the browser then loads ``/login/complete?ticket=...``, an
HTTP answer that starts a new server-side session (:mod:`core.sessions`) and sets its cookie. So
the token is new at every sign-in (a session fixed beforehand is worth nothing), never reaches page
scripts, and is ``Secure`` whenever the request came over https (behind a proxy too: uvicorn takes
the scheme from ``X-Forwarded-Proto`` sent by ``STUDIO_FORWARDED_ALLOW_IPS``). Signing out deletes
the row, so every tab of this browser, in every process, is refused at its next save.

``STUDIO_AUTH=none`` turns sign-in off for a private machine: everyone is the one local user.
Pages call :func:`require_user` (or :func:`require_user_and`) first; it sends a visitor without a
session to the sign-in page. Looking the account up reads the database, so it runs in a worker
thread, never on the event loop every tab shares.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import quote

from nicegui import context, run, ui
from starlette.requests import Request
from starlette.responses import RedirectResponse

from core import auth, sessions
from core.container import Studio
from core.errors import AuthError
from core.events import Event, EventType
from core.models import User

COOKIE = "studio_session"
COOKIE_MAX_AGE_S = 30 * 24 * 3600
TICKET_TTL_S = 60.0
T = TypeVar("T")
SESSION_ENDED_MESSAGE = "You signed out in another tab: sign in again"
_tickets: dict[str, tuple[str, str, float]] = {}  # ticket -> (user id, target, expiry); single use


def session_token(studio: Studio) -> str | None:
    """This page's session token (None with sign-in off): from the cookie of the page's request."""
    if studio.ctx.settings.auth == "none":
        return None
    return ui.context.client.request.cookies.get(COOKIE)


def _lookup(studio: Studio, token: str | None) -> User | None:
    """Blocking: the account behind the session (the local user when sign-in is off)."""
    if studio.ctx.settings.auth == "none":
        return auth.local_user(studio.ctx.db)
    return sessions.session_user(studio.ctx.db, token)


def live_user(studio: Studio, token: str | None) -> User:
    """Blocking: the page's account as it is now (flags re-read), for actions that check a rule on it
    (an admin demoted or disabled meanwhile is one no more); AuthError once the session has ended."""
    user = _lookup(studio, token)
    if user is None:
        raise AuthError("Your session has ended: sign in again")
    return user


async def current_user(studio: Studio) -> User | None:
    return await run.io_bound(_lookup, studio, session_token(studio))


async def require_user(studio: Studio, path: str = "/") -> User | None:
    """The signed-in user, or None after redirecting to ``/login?next=path``."""
    found = await require_user_and(studio, path, lambda _user: None)
    return None if found is None else found[0]


async def require_user_and(studio: Studio, path: str, read: Callable[[User], T]) -> tuple[User, T] | None:
    """The signed-in user and ``read(user)`` (blocking page reads) in one trip to a worker thread.

    Each trip waits for a turn of the event loop, which a busy server makes long, so a page that
    needs rows before its first answer reads them together with the account. None after redirecting
    a visitor without a session to ``/login?next=path``.
    """
    token = session_token(studio)

    def lookup() -> tuple[User, T] | None:
        user = _lookup(studio, token)
        return None if user is None else (user, read(user))

    found = await run.io_bound(lookup)
    if found is None:
        ui.navigate.to(f"/login?next={quote(path, safe='/')}")
    else:
        follow_session_end(studio, token)
    return found


def follow_session_end(studio: Studio, token: str | None) -> None:
    """This page goes to the sign-in page the moment its session ends (signed out in another tab, the
    account disabled or its password changed or reset), whatever page it is, not only at its next save."""
    if token is None:
        return
    client = context.client

    def ended(event: Event) -> None:
        if event.type != EventType.SESSION_ENDED or client.is_deleted:
            return
        with client:
            ui.notify(str(event.data.get("message") or SESSION_ENDED_MESSAGE), type="warning")
            ui.navigate.to("/login")

    subscription = studio.ctx.events.subscribe(sessions.session_key(token), ended)
    client.on_delete(subscription.close)


def begin_sign_in(user: User, target: str) -> None:
    """After the password was accepted: hand the browser to the HTTP step that sets the cookie."""
    now = time.monotonic()
    for stale in [t for t, (_, _, expiry) in _tickets.items() if expiry < now]:
        del _tickets[stale]
    ticket = secrets.token_urlsafe(32)
    _tickets[ticket] = (user.id, safe_next(target), now + TICKET_TTL_S)
    ui.navigate.to(f"/login/complete?ticket={ticket}")


async def complete_sign_in(studio: Studio, request: Request, ticket: str) -> RedirectResponse:
    """The HTTP step: a new session (the browser's old one ends), its cookie, then the target."""
    user_id, target, expiry = _tickets.pop(ticket, ("", "/", 0.0))
    if not user_id or expiry < time.monotonic():
        return RedirectResponse("/login", status_code=303)
    db, events = studio.ctx.db, studio.ctx.events

    def rotate() -> str | None:
        user = auth.get_user(db, user_id)
        if user is None or user.disabled or user.must_change_password:  # changed since the password was checked
            return None
        sessions.end_session(db, events, request.cookies.get(COOKIE))
        return sessions.start_session(db, user)

    token = await run.io_bound(rotate)
    if token is None:
        return RedirectResponse("/login", status_code=303)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, token, max_age=COOKIE_MAX_AGE_S, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")
    return response


async def sign_out(studio: Studio, request: Request) -> RedirectResponse:
    """End this browser's session everywhere and forget its cookie."""
    await run.io_bound(sessions.end_session, studio.ctx.db, studio.ctx.events, request.cookies.get(COOKIE))
    response = RedirectResponse("/login" if studio.ctx.settings.auth != "none" else "/", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return response


def safe_next(target: str | None) -> str:
    """Only same-site paths after sign-in: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"
