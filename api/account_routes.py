"""``/api/v1/auth/token`` and ``/api/v1/me``: trade a password for a bearer token, and who am I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from api.deps import bearer_user
from api.schemas import ErrorOut, MeOut, TokenOut, TokenRequest
from core import auth
from core.container import Studio
from core.models import User


def build_router(studio: Studio) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["account"],
                       responses={code: {"model": ErrorOut} for code in (400, 401)})
    current_user = bearer_user(studio)

    @router.post("/auth/token", response_model=TokenOut, status_code=201)
    def create_token(body: TokenRequest) -> TokenOut:
        user = auth.authenticate(studio.ctx.db, body.email, body.password)
        token, plain = auth.create_token(studio.ctx.db, user, body.name)
        return TokenOut(token=plain, token_id=token.id, name=token.name)

    @router.get("/me", response_model=MeOut)
    def me(user: User = Depends(current_user)) -> Any:
        return user

    return router
