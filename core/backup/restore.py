"""Restore a backup into an empty instance: verify everything first, then change everything at once.

**Empty** means: no characters, no jobs, no stored files, and no account except at most one admin,
who, when the restore comes from the API or the admin page, must be the admin asking for it. What a
fresh instance has besides (seeded templates, presets, providers and models, that admin's sessions
and tokens) is replaced by the backup's, so the restored studio is the backed-up one, accounts
included: the admin who restored signs in again with an account from the backup.

Order of work:

1. The instance is checked to be empty (refused at once otherwise).
2. The archive is verified completely (:func:`core.backup.verify.verify_backup`): sums, sizes,
   entries, schema revision, every row. Nothing has been written yet.
3. In one database transaction (the tables locked on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), the
   emptiness is checked again, the instance's rows are deleted, the backup's rows inserted table by
   table in foreign-key order, and the files stored, each re-hashed against the manifest first.
4. Commit. On any failure before or during the commit the transaction is rolled back and every file
   stored so far is deleted again: the instance is as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from core.backup.errors import BackupRefused, InstanceNotEmpty
from core.backup.schema import InstanceSchema, instance_schema
from core.backup.verify import VerifiedBackup, verify_backup, walk
from core.db import Database
from core.models import Character, Job, User
from storage.base import BUCKETS, Storage, StorageError

log = logging.getLogger(__name__)

EMPTY_RULE = ("A backup is restored only into an empty instance: no characters, no jobs, no stored files, "
              "and no account except the admin doing the restore.")


@dataclass
class RestoreSummary:
    """What was restored, for the command's output and the API's answer."""

    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    file_bytes: int = 0
    schema_revision: str = ""
    studio_version: str = ""
    created_at: str = ""

    def doc(self) -> dict[str, Any]:
        return {"rows": self.rows, "files": self.files, "file_bytes": self.file_bytes,
                "schema_revision": self.schema_revision, "studio_version": self.studio_version,
                "created_at": self.created_at}


def restore_backup(db: Database, storage: Storage, path: Path, *, actor_id: str | None = None) -> RestoreSummary:
    """Restore the archive at ``path``; BackupRefused or InstanceNotEmpty (and nothing changed) otherwise."""
    with db.read() as session:
        conn = session.connection()
        schema = instance_schema(conn)
        require_empty(conn, storage, actor_id)
    verified = verify_backup(path, schema)
    written: list[tuple[str, str]] = []
    try:
        with db.write() as session:
            conn = session.connection()
            _lock(conn, schema, db.is_sqlite)
            require_empty(conn, storage, actor_id)  # again, inside the transaction: nothing came in meanwhile
            for table in reversed(schema.tables):
                conn.execute(table.delete())
            walk(path, schema, verified, on_rows=lambda name, rows: _insert(conn, schema, name, rows),
                 on_file=lambda bucket, key, data, kind: _store(storage, written, bucket, key, data, kind))
            if not db.is_sqlite:
                _reset_sequences(conn, schema.tables)
    except BaseException:
        _remove(storage, written)
        raise
    return _summary(verified)


def emptiness_problems(conn: Connection, storage: Storage, actor_id: str | None) -> list[str]:
    """Why the instance is not empty (see the module's rule), one phrase each; [] when it is."""
    problems: list[str] = []
    for model, what in ((Character, "character"), (Job, "job")):
        count = conn.execute(sa.select(sa.func.count()).select_from(model.__table__)).scalar_one()
        if count:
            problems.append(f"{count} {what}{'s' if count != 1 else ''}")
    users = conn.execute(sa.select(User.__table__.c.id, User.__table__.c.is_admin)).all()
    if actor_id is not None:
        extra = [u for u in users if u.id != actor_id]
    else:  # the command line: at most one account, and that one an admin
        extra = users if len(users) > 1 or (users and not users[0].is_admin) else []
    if extra:
        problems.append(f"{len(extra)} account{'s' if len(extra) != 1 else ''} besides "
                        f"{'the admin restoring' if actor_id else 'one admin'}")
    if any(storage.list(bucket, "") for bucket in BUCKETS):
        problems.append("stored files")
    return problems


def require_empty(conn: Connection, storage: Storage, actor_id: str | None) -> None:
    problems = emptiness_problems(conn, storage, actor_id)
    if problems:
        raise InstanceNotEmpty(f"This instance is not empty (it has {', '.join(problems)}). {EMPTY_RULE}")


def _lock(conn: Connection, schema: InstanceSchema, is_sqlite: bool) -> None:
    if not is_sqlite:  # SQLite's BEGIN IMMEDIATE already keeps every other writer out
        names = ", ".join(f'"{table.name}"' for table in schema.tables)
        conn.exec_driver_sql(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")


def _insert(conn: Connection, schema: InstanceSchema, name: str, rows: list[dict[str, Any]]) -> None:
    table = schema.table(name)
    assert table is not None
    try:
        conn.execute(table.insert(), rows)
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        raise BackupRefused(f"The rows of table {name} do not fit this database: {reason}") from exc


def _store(storage: Storage, written: list[tuple[str, str]], bucket: str, key: str, data: bytes,
           content_type: str) -> None:
    written.append((bucket, key))  # before the put: a put that fails half-way is cleaned up too
    storage.put(bucket, key, data, content_type)


def _remove(storage: Storage, written: Sequence[tuple[str, str]]) -> None:
    for bucket, key in reversed(written):
        try:
            storage.delete(bucket, key)
        except StorageError:
            log.exception("restore: could not delete %s/%s after a failed restore", bucket, key)


def _reset_sequences(conn: Connection, tables: Sequence[sa.Table]) -> None:
    """Integer keys filled from a sequence continue after the restored maximum (ids today are UUIDs,
    so this finds nothing; it keeps a future serial key from colliding with restored rows)."""
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, sa.Integer):
                continue
            sequence = conn.execute(sa.select(sa.func.pg_get_serial_sequence(table.name, column.name))).scalar()
            if sequence:
                top = conn.execute(sa.select(sa.func.max(column))).scalar() or 0
                conn.execute(sa.select(sa.func.setval(sequence, top + 1, False)))


def _summary(verified: VerifiedBackup) -> RestoreSummary:
    return RestoreSummary(rows=dict(verified.rows), files=verified.files, file_bytes=verified.file_bytes,
                          schema_revision=verified.manifest.schema_revision,
                          studio_version=verified.manifest.studio_version, created_at=verified.manifest.created_at)
