"""Who is signed in to this browser: the session lives in NiceGUI's per-user storage.

``STUDIO_AUTH=none`` turns sign-in off for a private machine: everyone is the one local user.
Pages call :func:`require_user` first; it sends a visitor without a session to the sign-in page.
"""

from __future__ import annotations

from urllib.parse import quote

from nicegui import app, ui

from core import auth
from core.container import Studio
from core.models import User

SESSION_KEY = "user_id"


def current_user(studio: Studio) -> User | None:
    if studio.ctx.settings.auth == "none":
        return auth.local_user(studio.ctx.db)
    user_id = app.storage.user.get(SESSION_KEY)
    return auth.get_user(studio.ctx.db, user_id) if user_id else None


def require_user(studio: Studio, path: str = "/") -> User | None:
    """The signed-in user, or None after redirecting to ``/login?next=path``."""
    user = current_user(studio)
    if user is None:
        ui.navigate.to(f"/login?next={quote(path, safe='/')}")
    return user


def sign_in(user: User) -> None:
    app.storage.user[SESSION_KEY] = user.id


def sign_out() -> None:
    app.storage.user.pop(SESSION_KEY, None)


def safe_next(target: str | None) -> str:
    """Only same-site paths after sign-in: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"
