"""Processes starting together on an empty PostgreSQL database (issue 13, point 5): they migrate one
after the other under an advisory lock; before, 3 of 6 tries failed with a unique violation on
``alembic_version``'s type."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from core.config import normalise_database_url
from core.db import Database
from core.migrate import upgrade
from core.seed import seed_database
from tests.support.databases import POSTGRES_URL

STARTS = 4


@pytest.fixture
def empty_database() -> Iterator[str]:
    admin = sa.create_engine(normalise_database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"studio_first_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield normalise_database_url(POSTGRES_URL).rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.mark.parametrize("attempt", range(3))
def test_simultaneous_first_starts_all_migrate_and_seed(empty_database: str, attempt: int) -> None:
    barrier = threading.Barrier(STARTS)
    errors: list[BaseException] = []

    def start() -> None:
        db = Database(empty_database)  # its own engine and connections, as a second process has
        try:
            barrier.wait()
            upgrade(db)
            seed_database(db)
        except BaseException as exc:  # noqa: BLE001 - every failure is reported below
            errors.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=start, daemon=True) for _ in range(STARTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a start is stuck (without the lock, DDL deadlocks)"
    assert errors == []
    db = Database(empty_database)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar() == 1
        assert conn.exec_driver_sql("SELECT count(*) FROM api_providers WHERE name = 'builtin'").scalar() == 1
    db.dispose()
