"""``/api/v1/auth/token`` and ``/api/v1/me``: trade a password for a bearer token, and who am I."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request

from api.deps import CurrentUser, StudioDep
from api.schemas import ErrorOut, MeOut, TokenOut, TokenRequest
from core import auth
from core.errors import Forbidden
from core.sign_in import sign_in

router = APIRouter(prefix="/api/v1", tags=["account"], responses={code: {"model": ErrorOut} for code in (400, 401)})


@router.post("/auth/token", response_model=TokenOut, status_code=201,
             responses={403: {"model": ErrorOut}, 429: {"model": ErrorOut}})
async def create_token(body: TokenRequest, studio: StudioDep, request: Request) -> TokenOut:
    """Throttled like the sign-in page (per account and address): 429 with ``Retry-After`` when locked."""
    address = request.client.host if request.client is not None else ""
    user = await sign_in(studio.ctx.db, studio.sign_ins, body.email, body.password, address)
    if user.must_change_password:  # an admin's reset: the new password is chosen on the sign-in page first
        raise Forbidden("This account must set a new password: sign in on the studio's sign-in page first")
    token, plain = await asyncio.to_thread(auth.create_token, studio.ctx.db, user, body.name)
    return TokenOut(token=plain, token_id=token.id, name=token.name)


@router.get("/me", response_model=MeOut)
def me(user: CurrentUser) -> Any:
    return user
