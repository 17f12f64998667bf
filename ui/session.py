"""Who is signed in to this browser: the session lives in NiceGUI's per-user storage.

``STUDIO_AUTH=none`` turns sign-in off for a private machine: everyone is the one local user.
Pages call :func:`require_user` (or :func:`require_user_and`) first; it sends a visitor without a
session to the sign-in page. Looking the account up reads the database, so it runs in a worker
thread, never on the event loop every tab shares.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import quote

from nicegui import app, run, ui

from core import auth
from core.container import Studio
from core.models import User

SESSION_KEY = "user_id"
T = TypeVar("T")


def _signed_in_id(studio: Studio) -> str | None:
    """The browser's session (on the loop: NiceGUI's storage belongs to the request's context)."""
    return None if studio.ctx.settings.auth == "none" else app.storage.user.get(SESSION_KEY)


def _lookup(studio: Studio, user_id: str | None) -> User | None:
    """Blocking: the account behind the session (the local user when sign-in is off)."""
    if studio.ctx.settings.auth == "none":
        return auth.local_user(studio.ctx.db)
    return auth.get_user(studio.ctx.db, user_id) if user_id else None


async def current_user(studio: Studio) -> User | None:
    return await run.io_bound(_lookup, studio, _signed_in_id(studio))


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
    user_id = _signed_in_id(studio)

    def lookup() -> tuple[User, T] | None:
        user = _lookup(studio, user_id)
        return None if user is None else (user, read(user))

    found = await run.io_bound(lookup)
    if found is None:
        ui.navigate.to(f"/login?next={quote(path, safe='/')}")
    return found


def sign_in(user: User) -> None:
    app.storage.user[SESSION_KEY] = user.id


def sign_out() -> None:
    app.storage.user.pop(SESSION_KEY, None)


def safe_next(target: str | None) -> str:
    """Only same-site paths after sign-in: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"
