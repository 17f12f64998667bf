"""Check a whole archive before anything is changed: every entry against the manifest, every row
against its column, the schema against the instance's.

One pass, front to back, hashing each entry in chunks as it goes; rows are decoded (and thrown away)
so a row that would not go into the database is found now, not half-way through the restore. The
same walk is made again while restoring (:func:`walk`), so a file that changed between the two passes
is caught too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from core.backup.archive import Member, read_members
from core.backup.errors import BackupRefused
from core.backup.manifest import (
    MANIFEST,
    MANIFEST_SUM,
    META,
    Entry,
    Manifest,
    compare,
    decode_manifest,
    parse_file_name,
    parse_rows_name,
)
from core.backup.portable import decode_line
from core.backup.schema import FORMAT, FORMAT_VERSION, InstanceSchema, schema_differences

META_LIMIT = 16 * 1024 * 1024
MANIFEST_LIMIT = 512 * 1024 * 1024
LINE_LIMIT = 64 * 1024 * 1024
FILE_LIMIT = 1024 * 1024 * 1024  # one stored object is read whole to be stored (the storage protocol's put)

RowsHandler = Callable[[str, list[dict[str, Any]]], None]
FileHandler = Callable[[str, str, bytes, str], None]


@dataclass
class VerifiedBackup:
    """What the verification learnt: the manifest's entries, and how many rows and files there are."""

    meta: dict[str, Any]
    manifest: Manifest
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    file_bytes: int = 0

    def entry(self, name: str) -> Entry:
        found = next((entry for entry in self.manifest.entries if entry.name == name), None)
        if found is None:
            raise BackupRefused(f"{name} was not in the archive when it was verified: it is being modified")
        return found


def verify_backup(path: Path, schema: InstanceSchema) -> VerifiedBackup:
    """The archive checked completely; BackupRefused with every reason otherwise. Changes nothing."""
    seen: list[Entry] = []
    state: dict[str, Any] = {"manifest": None, "sum": None, "meta": None, "rows": {}, "files": 0, "bytes": 0}
    for member in _members(path):
        _check_member(member, schema, state, seen)
    if state["meta"] is None:
        raise BackupRefused("The file holds no entries: it is not a Character Studio backup")
    if state["manifest"] is None or state["sum"] is None:
        raise BackupRefused("The archive is truncated: it ends before its manifest")
    manifest_bytes, expected = state["manifest"], state["sum"]
    if hashlib.sha256(manifest_bytes).hexdigest() != expected:
        raise BackupRefused("manifest.json does not match manifest.sha256 (altered or damaged)")
    manifest = decode_manifest(manifest_bytes, FORMAT, FORMAT_VERSION)
    problems = compare(manifest.entries, seen)
    if manifest.schema_revision != state["meta"]["schema_revision"]:
        problems.append("manifest.json and backup.json name different schema revisions")
    missing = [t.name for t in schema.tables if t.name not in state["rows"]]
    problems += [f"the archive has no rows entry for table {name}" for name in missing]
    if problems:
        raise BackupRefused("The archive does not match its manifest: " + "; ".join(problems[:10])
                            + (f"; and {len(problems) - 10} more" if len(problems) > 10 else ""))
    return VerifiedBackup(state["meta"], manifest, state["rows"], state["files"], state["bytes"])


def walk(path: Path, schema: InstanceSchema, verified: VerifiedBackup, on_rows: RowsHandler,
         on_file: FileHandler, batch: int = 500) -> None:
    """Read the verified archive again, handing over rows in batches and files one at a time; every
    entry is re-hashed and compared with the manifest before its handler's work can be committed."""
    for member in _members(path):
        rows = parse_rows_name(member.name)
        located = None if rows is not None else parse_file_name(member.name)
        if rows is not None:
            table = schema.table(rows[0])
            assert table is not None  # verified
            pending: list[dict[str, Any]] = []
            for line in member.lines(LINE_LIMIT):
                pending.append(decode_line(table, line, member.name))
                if len(pending) >= batch:
                    on_rows(table.name, pending)
                    pending = []
            if pending:
                on_rows(table.name, pending)
        elif located is not None:
            data = member.read_all(FILE_LIMIT)
            _same(member, verified)
            content_type = verified.entry(member.name).content_type or "application/octet-stream"
            on_file(located[0], located[1], data, content_type)
            continue
        else:
            member.drain()
            if member.name in (MANIFEST, MANIFEST_SUM):
                continue  # every other entry is compared with the manifest that was verified
        _same(member, verified)


def _same(member: Member, verified: VerifiedBackup) -> None:
    listed = verified.entry(member.name)
    actual = member.entry()
    if (actual.size, actual.sha256) != (listed.size, listed.sha256):
        raise BackupRefused(f"{member.name} changed since it was verified: the archive is being modified")


def _members(path: Path) -> Iterator[Member]:
    return read_members(path)


def _check_member(member: Member, schema: InstanceSchema, state: dict[str, Any], seen: list[Entry]) -> None:
    name = member.name
    if state["sum"] is not None:
        raise BackupRefused(f"{name} comes after manifest.sha256, which ends a backup")
    if not seen and name != META:
        raise BackupRefused(f"The archive does not start with {META}: it is not a Character Studio backup")
    rows_count: int | None = None
    if name == META:
        if seen:
            raise BackupRefused(f"{META} appears twice")
        state["meta"] = _meta(member.read_all(META_LIMIT), schema)
    elif name == MANIFEST:
        state["manifest"] = member.read_all(MANIFEST_LIMIT)
    elif name == MANIFEST_SUM:
        if state["manifest"] is None:
            raise BackupRefused(f"{MANIFEST_SUM} comes before {MANIFEST}")
        state["sum"] = member.read_all(1024).decode("ascii", "replace").split(" ", 1)[0].strip()
    elif (rows := parse_rows_name(name)) is not None:
        rows_count = _check_rows(member, rows, schema, state)
    elif parse_file_name(name) is not None:
        if state["manifest"] is not None:
            raise BackupRefused(f"{name} comes after the manifest")
        if member.size > FILE_LIMIT:
            raise BackupRefused(f"{name} is larger than a restore accepts ({FILE_LIMIT} bytes)")
        state["files"] += 1
        state["bytes"] += member.size
    else:
        raise BackupRefused(f"{name} is not an entry a backup holds")
    member.drain()
    if name not in (MANIFEST, MANIFEST_SUM):  # the manifest lists everything but itself
        seen.append(member.entry(rows=rows_count))


def _meta(data: bytes, schema: InstanceSchema) -> dict[str, Any]:
    try:
        meta = orjson.loads(data)
        revision, tables = str(meta["schema_revision"]), meta["tables"]
        columns = {str(t["name"]): [str(c) for c in t["columns"]] for t in tables}
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise BackupRefused(f"{META} is damaged ({exc})") from exc
    if meta.get("format") != FORMAT or meta.get("format_version") != FORMAT_VERSION:
        raise BackupRefused(f"This is not a {FORMAT} of format version {FORMAT_VERSION}")
    problems = schema_differences(schema, revision, columns)
    if problems:
        raise BackupRefused("This backup does not fit this instance's schema: " + "; ".join(problems))
    return meta


def _check_rows(member: Member, rows: tuple[str, int], schema: InstanceSchema, state: dict[str, Any]) -> int:
    """Rows come table by table in foreign-key order (each table after those it references), parts numbered
    from 1; every line must decode into its table's columns."""
    name, part = rows
    if state["files"] or state["manifest"] is not None:
        raise BackupRefused(f"{member.name} comes after the files; rows come first")
    table = schema.table(name)
    if table is None:
        raise BackupRefused(f"{member.name} holds rows of a table this instance does not have")
    counts: dict[str, int] = state["rows"]
    order = [t.name for t in schema.tables]
    if part == 1:
        if name in counts:
            raise BackupRefused(f"The rows of table {name} appear twice")
        later = [done for done in counts if order.index(done) > order.index(name)]
        if later:
            raise BackupRefused(f"Table {name} comes after table {later[0]}: tables must come in the order "
                                "their foreign keys need")
        counts[name] = 0
    elif state.get("last_rows") != (name, part - 1):
        raise BackupRefused(f"{member.name} does not follow part {part - 1} of table {name}")
    state["last_rows"] = (name, part)
    found = sum(1 for line in member.lines(LINE_LIMIT) if decode_line(table, line, member.name) is not None)
    counts[name] += found
    return found
