"""A backup moves between databases: SQLite to PostgreSQL and PostgreSQL to SQLite, every row and byte."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from core import auth
from core.backup import restore_backup
from core.characters import get_character
from core.context import Context
from core.db import Database
from core.portraits import list_portraits
from core.seed import seed_database
from core.urls import locate
from tests.support.backups import (
    ADMIN_EMAIL,
    CARD_DATA,
    PASSWORD,
    contents,
    fresh_sqlite,
    instance,
    populate,
    stored_files,
    write_backup,
)


@pytest.fixture
def postgres(postgres_url: str) -> Iterator[Database]:
    """The session's PostgreSQL database, emptied and seeded: a fresh instance."""
    db = Database(postgres_url)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {tables} CASCADE")
    seed_database(db)
    yield db
    db.dispose()


def _check_restored(target: Context, source: Context, character_id: str) -> None:
    assert contents(target.db) == contents(source.db)
    assert stored_files(target.storage) == stored_files(source.storage)
    admin = auth.authenticate(target.db, ADMIN_EMAIL, PASSWORD)
    character = get_character(target, admin, character_id)
    assert character.card_data == CARD_DATA
    for portrait in list_portraits(target, admin, character_id):
        bucket, key = locate(portrait.image_url) or ("", "")
        assert target.storage.get(bucket, key) == source.storage.get(bucket, key)


def test_a_sqlite_backup_restores_into_postgresql(postgres: Database, sqlite_template: Path, tmp_path: Path) -> None:
    source = instance(fresh_sqlite(sqlite_template, tmp_path / "sqlite"), tmp_path / "sqlite", "secret-a")
    try:
        made = populate(source)
        archive = write_backup(source.db, source.storage, tmp_path / "backup.tar")
        target = instance(postgres, tmp_path / "pg", "secret-b")
        restore_backup(target.db, target.storage, archive)
        _check_restored(target, source, made.character_ids[0])
    finally:
        source.db.dispose()


def test_a_postgresql_backup_restores_into_sqlite(postgres: Database, sqlite_template: Path, tmp_path: Path) -> None:
    source = instance(postgres, tmp_path / "pg", "secret-a")
    made = populate(source)
    archive = write_backup(source.db, source.storage, tmp_path / "backup.tar", batch_rows=2)
    target = instance(fresh_sqlite(sqlite_template, tmp_path / "sqlite"), tmp_path / "sqlite", "secret-b")
    try:
        restore_backup(target.db, target.storage, archive)
        _check_restored(target, source, made.character_ids[0])
    finally:
        target.db.dispose()


def test_a_refused_restore_leaves_postgresql_as_it_was(postgres: Database, sqlite_template: Path,
                                                       tmp_path: Path) -> None:
    source = instance(fresh_sqlite(sqlite_template, tmp_path / "sqlite"), tmp_path / "sqlite", "secret-a")
    try:
        populate(source)
        archive = write_backup(source.db, source.storage, tmp_path / "backup.tar")
    finally:
        source.db.dispose()
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "altered.tar").write_bytes(bytes(data))
    target = instance(postgres, tmp_path / "pg", "secret-b")
    before = contents(postgres)
    with pytest.raises(Exception, match="SHA-256|truncated|not a tar"):
        restore_backup(target.db, target.storage, tmp_path / "altered.tar")
    assert contents(postgres) == before and stored_files(target.storage) == {}
