"""Request dependencies: the bearer-token user."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from core import auth
from core.container import Studio
from core.errors import AuthError
from core.models import User


def bearer_user(studio: Studio) -> Callable[[Request], User]:
    """A dependency resolving ``Authorization: Bearer <token>`` to its user, else 401."""

    def dependency(request: Request) -> User:
        header = request.headers.get("authorization", "")
        if not header:
            raise AuthError("Missing Authorization header")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("Authorization must be 'Bearer <token>'")
        return auth.user_for_token(studio.ctx.db, token.strip())

    return dependency
