"""API tests: every request goes to the app ``main.py`` serves, run per test by NiceGUI's ``user``.

The app runs on the test's own database: a test that takes ``studio`` (or ``db``) gets the ``db``
fixture's - a copy of the migrated SQLite template, and the session's PostgreSQL database (tables
truncated) when ``STUDIO_TEST_POSTGRES_URL`` is set - so it runs on every backend, as the service
tests do; any other test gets a SQLite copy. ``main.py`` then seeds it as it does on every start.
Files and signed URLs live under the test's ``app-data`` directory, signed with ``served_app.SECRET``.

A fixture that changes the configuration sets its ``STUDIO_*`` variable and is requested before
``user`` (``@pytest.mark.usefixtures``), as ``tests/ui`` does.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from nicegui.testing import User

from core.container import Studio
from core.db import Database
from tests.support.served_app import app_environment, one_run_of_the_app, running_studio


@pytest.fixture(autouse=True)
def _one_run_of_the_app() -> Iterator[None]:
    """Set up before ``user`` and torn down after it: see :func:`tests.support.served_app.one_run_of_the_app`."""
    with one_run_of_the_app():
        yield


@pytest.fixture(autouse=True)
def served_env(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Configure the app before ``user`` starts it; returns its data directory."""
    if "db" in request.fixturenames:
        url = request.getfixturevalue("db").url
    else:
        path = tmp_path / "studio.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path.as_posix()}"
    data = tmp_path / "app-data"
    for name, value in app_environment(data, url).items():
        monkeypatch.setenv(name, value)
    return data


@pytest.fixture
def studio(db: Database, user: User) -> Studio:
    """The container of the running app, on ``db`` (replaces ``tests/conftest.py``'s stand-alone one)."""
    assert running_studio().ctx.db.url == db.url
    return running_studio()


@pytest.fixture
def client(user: User) -> httpx.AsyncClient:
    """HTTP to the running app, as any API client would speak it."""
    return user.http_client
