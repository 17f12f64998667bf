"""Rows as portable JSON: the same line whether the row came from SQLite or PostgreSQL.

Values are typed by their column, not by what the driver returned: timestamps as ISO 8601 in UTC
(SQLite hands back naive datetimes, PostgreSQL aware ones), JSON columns as JSON, booleans as JSON
booleans (SQLite stores 0/1), integers as integers, binary as base64. Reading a line back checks each
value against its column the same way (type, ``VARCHAR`` length, nullability), so a row that would
fail on the other database is refused while verifying, before anything is written.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import orjson
import sqlalchemy as sa

from core.backup.errors import BackupRefused

Encode = Callable[[Any], Any]


def row_encoder(table: sa.Table) -> Callable[[Mapping[str, Any]], bytes]:
    """A function from a database row (mapping by column name) to one JSON line, newline included."""
    # str(): a column named after a reserved word ("metadata") is a ``quoted_name``, which orjson
    # refuses as a key (a str subclass)
    encoders = [(str(column.name), column.name, _encoder(column.type)) for column in table.columns]

    def encode(row: Mapping[str, Any]) -> bytes:
        doc = {key: (None if row[name] is None else fn(row[name])) for key, name, fn in encoders}
        return orjson.dumps(doc) + b"\n"

    return encode


def decode_line(table: sa.Table, line: bytes, where: str) -> dict[str, Any]:
    """One JSON line back into values the database takes for ``table``; BackupRefused naming the problem."""
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise BackupRefused(f"{where}: a line is not JSON ({exc})") from exc
    if not isinstance(doc, dict):
        raise BackupRefused(f"{where}: a line is not a JSON object")
    names = [column.name for column in table.columns]
    if set(doc) != set(names):
        extra, missing = sorted(set(doc) - set(names)), sorted(set(names) - set(doc))
        raise BackupRefused(f"{where}: a row's columns differ from table {table.name} "
                            f"(extra: {', '.join(extra) or 'none'}; missing: {', '.join(missing) or 'none'})")
    return {column.name: _decode(column, doc[column.name], where) for column in table.columns}


def _encoder(kind: sa.types.TypeEngine[Any]) -> Encode:
    if isinstance(kind, sa.DateTime):
        return _iso
    if isinstance(kind, sa.Date):
        return lambda value: value.isoformat()
    if isinstance(kind, sa.Boolean):
        return bool
    if isinstance(kind, sa.LargeBinary):
        return lambda value: base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(kind, sa.Integer):
        return int
    return lambda value: value  # text, JSON documents, floats: JSON already


def _iso(value: datetime) -> str:
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.isoformat()


def _decode(column: sa.Column[Any], value: Any, where: str) -> Any:
    label = f"{where}: {column.table.name}.{column.name}"
    if value is None:
        if not column.nullable:
            raise BackupRefused(f"{label} is null, the column requires a value")
        return None
    kind = column.type
    if isinstance(kind, sa.DateTime):
        return _parse_time(value, label)
    if isinstance(kind, sa.Date):
        return _parse_date(value, label)
    if isinstance(kind, sa.Boolean):
        return _expect(value, bool, label, "true or false")
    if isinstance(kind, sa.LargeBinary):
        return _parse_base64(value, label)
    if isinstance(kind, sa.Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            raise BackupRefused(f"{label} should be an integer")
        return value
    if isinstance(kind, sa.JSON):
        return value
    if isinstance(kind, sa.String):
        text = _expect(value, str, label, "text")
        if kind.length is not None and len(text) > kind.length:
            raise BackupRefused(f"{label} has {len(text)} characters, the column holds {kind.length}")
        return text
    if isinstance(kind, sa.Float | sa.Numeric):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BackupRefused(f"{label} should be a number")
        return value
    return value


def _expect(value: Any, kind: type, label: str, what: str) -> Any:
    if not isinstance(value, kind):
        raise BackupRefused(f"{label} should be {what}")
    return value


def _parse_time(value: Any, label: str) -> datetime:
    try:
        moment = datetime.fromisoformat(_expect(value, str, label, "an ISO 8601 timestamp"))
    except ValueError as exc:
        raise BackupRefused(f"{label} is not an ISO 8601 timestamp") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _parse_date(value: Any, label: str) -> date:
    try:
        return date.fromisoformat(_expect(value, str, label, "an ISO 8601 date"))
    except ValueError as exc:
        raise BackupRefused(f"{label} is not an ISO 8601 date") from exc


def _parse_base64(value: Any, label: str) -> bytes:
    try:
        return base64.b64decode(_expect(value, str, label, "base64 text"), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BackupRefused(f"{label} is not base64") from exc
