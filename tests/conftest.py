"""Shared fixtures: a migrated database per test on SQLite (always) and PostgreSQL (when configured).

PostgreSQL tests run when ``STUDIO_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it). Each test session
creates its own database on that server and drops it at the end, so parallel runs never collide. An
unreachable server is an error, never a skip.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from core.config import Settings, normalise_database_url
from core.container import Studio
from core.context import Context
from core.db import Database
from core.events import EventBus
from core.migrate import upgrade
from core.seed import seed_database
from core.workers import Workers
from storage.local import LocalStorage
from tests.support.databases import BACKENDS, POSTGRES_URL

collect_ignore_glob = [] if POSTGRES_URL else ["*/test_*_pg.py"]  # PostgreSQL-only: never skipped


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test gets a copy (faster than migrating per test)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "studio.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database on the configured server, migrated once, dropped at the end."""
    if not POSTGRES_URL:
        pytest.fail("STUDIO_TEST_POSTGRES_URL is not set")
    admin = sa.create_engine(normalise_database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"studio_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = normalise_database_url(POSTGRES_URL).rsplit("/", 1)[0] + f"/{name}"
    db = Database(url)
    upgrade(db)
    db.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def make_database(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    if backend == "sqlite":
        path = tmp_path / "studio.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return Database(f"sqlite:///{path}")
    db = Database(request.getfixturevalue("postgres_url"))
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {tables} CASCADE")
    return db


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    database = make_database(request.param, request, tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", secret_key="test-secret")


@pytest.fixture
def storage(settings: Settings) -> LocalStorage:
    return LocalStorage(settings.data_dir / "storage", settings.resolved_secret_key())


@pytest.fixture
async def ctx(settings: Settings, db: Database, storage: LocalStorage) -> AsyncIterator[Context]:
    bus = EventBus()
    await bus.start()
    context = Context(settings=settings, db=db, events=bus, storage=storage, workers=Workers(processes=2))
    yield context
    await bus.stop()
    context.workers.stop()


@pytest.fixture
async def studio(ctx: Context) -> AsyncIterator[Studio]:
    """The service container on a seeded database (the built-in renderer is the active model)."""
    seed_database(ctx.db)
    container = Studio.create(ctx)
    yield container
    await container.generation.aclose()
