"""Write a backup: every table's rows, every stored file and the manifest, as one stream of tar bytes.

:func:`backup_stream` is a generator, so the API can hand it to a streaming response and the command
line can write it to a file as it comes. Memory stays bounded however large the studio is: rows are
read in batches (a server-side cursor on PostgreSQL) and written out in parts of at most
``part_bytes``; files are read one at a time (the storage protocol reads an object whole, and stored
objects are images bounded by the upload and pixel limits) and emitted in chunks.

The rows are one consistent snapshot: they are all read in one transaction (REPEATABLE READ on
PostgreSQL; on SQLite in WAL mode a read transaction sees one snapshot). Files are listed after the
rows; one deleted meanwhile is left out, one added meanwhile is kept (an unreferenced file does no harm).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core.backup.archive import TarWriter, coalesce
from core.backup.manifest import MANIFEST, MANIFEST_SUM, META, Manifest, file_name, rows_name
from core.backup.portable import row_encoder
from core.backup.schema import FORMAT, FORMAT_VERSION, InstanceSchema, instance_schema, studio_version
from core.db import Database
from storage.base import BUCKETS, ObjectNotFound, Storage, StoredObject

BATCH_ROWS = 500
PART_BYTES = 4 * 1024 * 1024


def backup_stream(db: Database, storage: Storage, *, batch_rows: int = BATCH_ROWS,
                  part_bytes: int = PART_BYTES) -> Iterator[bytes]:
    """The whole backup as tar bytes, in chunks of about 256 KB."""
    return coalesce(_pieces(db, storage, batch_rows, part_bytes))


def backup_filename(now: datetime | None = None) -> str:
    """The name a downloaded backup gets: ``character-studio-backup-20250101-120000.tar`` (UTC)."""
    return f"character-studio-backup-{(now or datetime.now(UTC)).strftime('%Y%m%d-%H%M%S')}.tar"


def _pieces(db: Database, storage: Storage, batch_rows: int, part_bytes: int) -> Iterator[bytes]:
    tar = TarWriter()
    created = datetime.now(UTC).isoformat()
    with db.read() as session:
        options = {} if db.is_sqlite else {"isolation_level": "REPEATABLE READ"}
        conn = session.connection(execution_options=options)
        schema = instance_schema(conn)
        yield from tar.member(META, _meta(schema, created, "sqlite" if db.is_sqlite else "postgresql"))
        for table in schema.tables:
            yield from _table(conn, tar, table, batch_rows, part_bytes)
    for bucket in BUCKETS:
        for obj in storage.list(bucket, ""):
            yield from _file(storage, tar, obj)
    manifest = Manifest(schema.revision, studio_version(), created, list(tar.entries)).encode(FORMAT, FORMAT_VERSION)
    yield from tar.member(MANIFEST, manifest)
    yield from tar.member(MANIFEST_SUM, f"{hashlib.sha256(manifest).hexdigest()}  {MANIFEST}\n".encode())
    yield tar.end()


def _meta(schema: InstanceSchema, created: str, database: str) -> bytes:
    return orjson.dumps({
        "format": FORMAT, "format_version": FORMAT_VERSION, "schema_revision": schema.revision,
        "studio_version": studio_version(), "created_at": created, "source_database": database,
        "tables": [{"name": name, "columns": columns} for name, columns in schema.columns().items()],
    }, option=orjson.OPT_INDENT_2)


def _table(conn: Connection, tar: TarWriter, table: sa.Table, batch_rows: int, part_bytes: int) -> Iterator[bytes]:
    """The table's rows in primary-key order, as parts of at most ``batch_rows`` rows or about ``part_bytes``."""
    encode = row_encoder(table)
    query = sa.select(table).order_by(*table.primary_key.columns)
    result = conn.execution_options(stream_results=True, yield_per=batch_rows).execute(query)
    part, lines, size = 1, [], 0
    for row in result.mappings():
        line = encode(row)
        lines.append(line)
        size += len(line)
        if len(lines) >= batch_rows or size >= part_bytes:
            yield from tar.member(rows_name(table.name, part), b"".join(lines), rows=len(lines))
            part, lines, size = part + 1, [], 0
    if lines or part == 1:  # an empty table still gets its (empty) part: the restore sees every table
        yield from tar.member(rows_name(table.name, part), b"".join(lines), rows=len(lines))


def _file(storage: Storage, tar: TarWriter, obj: StoredObject) -> Iterator[bytes]:
    try:
        data = storage.get(obj.bucket, obj.key)
        # S3 listings guess the content type from the key; ask the object itself for the stored one.
        content_type = obj.content_type if storage.has_local_files else storage.stat(obj.bucket, obj.key).content_type
    except ObjectNotFound:
        return  # deleted since it was listed
    yield from tar.member(file_name(obj.bucket, obj.key), data, content_type=content_type)
