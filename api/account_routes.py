"""``/api/v1/auth/token`` and ``/api/v1/me``: trade a password for a bearer token, and who am I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import CurrentUser, StudioDep
from api.schemas import ErrorOut, MeOut, TokenOut, TokenRequest
from core import auth

router = APIRouter(prefix="/api/v1", tags=["account"], responses={code: {"model": ErrorOut} for code in (400, 401)})


@router.post("/auth/token", response_model=TokenOut, status_code=201)
def create_token(body: TokenRequest, studio: StudioDep) -> TokenOut:
    user = auth.authenticate(studio.ctx.db, body.email, body.password)
    token, plain = auth.create_token(studio.ctx.db, user, body.name)
    return TokenOut(token=plain, token_id=token.id, name=token.name)


@router.get("/me", response_model=MeOut)
def me(user: CurrentUser) -> Any:
    return user
