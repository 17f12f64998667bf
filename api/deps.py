"""Request dependencies: the service container and the bearer-token user.

``StudioDep`` is the container ``main.py`` put on ``app.state.studio``; ``CurrentUser`` is the user
``Authorization: Bearer <token>`` names, else 401; ``AdminUser`` that user when an admin, else 403.
Routes declare them as parameters::

    def me(user: CurrentUser) -> ...
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from core import auth
from core.admin_access import require_admin
from core.container import Studio
from core.errors import AuthError
from core.models import User


async def get_studio(request: Request) -> Studio:
    """The container the app serves (set by ``main.create_app``); async, so no thread is taken for it."""
    return request.app.state.studio


StudioDep = Annotated[Studio, Depends(get_studio)]


def bearer_user(request: Request, studio: StudioDep) -> User:
    """The user of ``Authorization: Bearer <token>``, else 401."""
    return user_from_header(studio, request.headers.get("authorization", ""))


def user_from_header(studio: Studio, header: str) -> User:
    """The user an ``Authorization`` header names (also checked before a body is read: api.request_guard)."""
    if not header:
        raise AuthError("Missing Authorization header")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("Authorization must be 'Bearer <token>'")
    return auth.user_for_token(studio.ctx.db, token.strip())


CurrentUser = Annotated[User, Depends(bearer_user)]


def admin_user(user: CurrentUser) -> User:
    """The bearer-token user when an admin (core's rule), else 403."""
    return require_admin(user)


AdminUser = Annotated[User, Depends(admin_user)]
