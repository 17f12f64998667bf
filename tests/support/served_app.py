"""The app ``main.py`` serves, in-process, for tests that speak HTTP to it.

NiceGUI's ``User`` harness runs ``main.py`` as ``__main__`` (so ``create_app`` registers the real pages,
API routers, error handlers and ``/openapi.json``), starts its lifespan and hands out an
``httpx.AsyncClient`` on it. The API tests (``tests/api``) get it through NiceGUI's ``user`` fixture;
:func:`serving` does the same outside a fixture, for helpers such as the storage tests' ``fetch``.

Whatever runs it, the app is configured the way a deployment is, through ``STUDIO_*`` variables set
before ``main.py`` reads them: see :func:`app_environment`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from nicegui import app
from nicegui.testing.user_simulation import user_simulation

from core import auth
from core.container import Studio
from core.models import User

MAIN_FILE = Path(__file__).resolve().parents[2] / "main.py"
SECRET = "test-secret"  # signs the app's storage URLs; tests sign with it too
PASSWORD = "correct horse battery"


def app_environment(data_dir: Path, database_url: str = "") -> dict[str, str]:
    """``STUDIO_*`` for a served app on ``data_dir`` (files under ``data_dir/storage``) and that database.

    An empty ``database_url`` is the app's own default: a SQLite file in ``data_dir``, migrated at start.
    """
    return {
        "STUDIO_DATA_DIR": str(data_dir),
        "STUDIO_DATABASE_URL": database_url,
        "STUDIO_STORAGE": "local",
        "STUDIO_AUTH": "password",  # the default; the API takes bearer tokens in every mode
        "STUDIO_SECRET_KEY": SECRET,
    }


def running_studio() -> Studio:
    """The container ``main.py`` built and serves (once the app has started)."""
    return app.state.studio


@contextmanager
def one_run_of_the_app() -> Iterator[None]:
    """Give NiceGUI's app back the lifespan it had before ``main.py`` ran on it.

    FastAPI wraps an app's lifespan in one more layer for every ``include_router``, and NiceGUI's test
    reset does not undo that: on the one app every test shares, the layers would pile up run after run
    until entering the lifespan overflows the stack. The routers have no lifespan of their own.
    """
    lifespan = app.router.lifespan_context
    try:
        yield
    finally:
        app.router.lifespan_context = lifespan


@asynccontextmanager
async def serving(data_dir: Path, database_url: str = "") -> AsyncIterator[httpx.AsyncClient]:
    """Run ``main.py`` as the ``user`` fixture does, on :func:`app_environment`; yield a client on it."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in app_environment(data_dir, database_url).items():
            env.setenv(name, value)
        with one_run_of_the_app():
            async with user_simulation(main_file=MAIN_FILE) as user:
                yield user.http_client


@dataclass
class ApiUser:
    """An account of the running app and a bearer token of it."""

    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def api_user(studio: Studio, email: str) -> ApiUser:
    user = auth.create_user(studio.ctx.db, email, PASSWORD)
    _, plain = auth.create_token(studio.ctx.db, user, "tests")
    return ApiUser(user, plain)
