"""What a backup and the instance it goes into must agree on: schema revision, tables and columns.

The tables come from ``SQLModel.metadata.sorted_tables``, which orders them so that every table comes
after the tables its foreign keys point at: rows are written and restored in that order. A table the
database has but the models do not know would be left out silently, so it is an error instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import core.models  # noqa: F401  (registers every table on SQLModel.metadata)
from core.backup.errors import BackupRefused

FORMAT = "character-studio-backup"
FORMAT_VERSION = 1
_ALEMBIC_TABLE = "alembic_version"


@dataclass(frozen=True)
class InstanceSchema:
    """The instance's side of the comparison: its Alembic revision and its tables in foreign-key order."""

    revision: str
    tables: tuple[sa.Table, ...]

    def columns(self) -> dict[str, list[str]]:
        return {table.name: [column.name for column in table.columns] for table in self.tables}

    def table(self, name: str) -> sa.Table | None:
        return next((table for table in self.tables if table.name == name), None)


def studio_version() -> str:
    """The installed package's version (``0.0.0`` from a checkout that was never installed)."""
    try:
        return metadata.version("character-studio")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def instance_schema(conn: Connection) -> InstanceSchema:
    """Read the revision the database is at and check the models cover every table it has."""
    revision = current_revision(conn)
    tables = tuple(SQLModel.metadata.sorted_tables)
    known = {table.name for table in tables} | {_ALEMBIC_TABLE}
    unknown = sorted(set(sa.inspect(conn).get_table_names()) - known)
    if unknown:
        raise BackupRefused(f"The database has tables the studio's models do not describe: {', '.join(unknown)}")
    return InstanceSchema(revision=revision, tables=tables)


def current_revision(conn: Connection) -> str:
    """The Alembic revision(s) of the database, comma-separated ("" when it was never migrated)."""
    if not sa.inspect(conn).has_table(_ALEMBIC_TABLE):
        return ""
    rows = conn.execute(sa.text(f"SELECT version_num FROM {_ALEMBIC_TABLE} ORDER BY version_num")).scalars()
    return ",".join(rows)


def schema_differences(schema: InstanceSchema, revision: str, columns: dict[str, list[str]]) -> list[str]:
    """Everything that differs between a backup's schema and the instance's, one sentence each."""
    problems: list[str] = []
    if revision != schema.revision:
        problems.append(f"the backup's schema is at Alembic revision {revision or '(none)'}, this instance's "
                        f"at {schema.revision or '(none)'}: restore into a studio at the backup's version, "
                        "then upgrade it")
    mine = schema.columns()
    for name in sorted(set(columns) - set(mine)):
        problems.append(f"table {name} is in the backup but not in this instance")
    for name in sorted(set(mine) - set(columns)):
        problems.append(f"table {name} is in this instance but not in the backup")
    for name in sorted(set(mine) & set(columns)):
        if mine[name] != columns[name]:
            problems.append(f"table {name} has columns {', '.join(columns[name])} in the backup, "
                            f"{', '.join(mine[name])} here")
    return problems
