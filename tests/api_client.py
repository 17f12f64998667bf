"""An API under test: the real routers on a FastAPI app, reached over HTTP through httpx."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI

from api.routes import register_api
from core import auth
from core.container import Studio
from core.models import User


@dataclass
class ApiUser:
    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def api_user(studio: Studio, email: str) -> ApiUser:
    user = auth.create_user(studio.ctx.db, email, "correct horse battery")
    _, plain = auth.create_token(studio.ctx.db, user, "tests")
    return ApiUser(user, plain)


@asynccontextmanager
async def api_client(studio: Studio) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.state.studio = studio  # as main.create_app does: the routes' StudioDep
    register_api(app, studio)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://studio.test") as client:
        yield client
