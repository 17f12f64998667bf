"""The archive's table of contents: entry names, and the manifest that lists every entry's size and SHA-256.

Layout, in this order::

    backup.json                       format, schema revision, studio version, tables and their columns
    tables/<table>/<part>.jsonl       rows, one JSON object a line, in parts of bounded size
    files/<bucket>/<key>              every stored object, byte for byte
    manifest.json                     every entry above: name, size, sha256 (and rows / content type)
    manifest.sha256                   the SHA-256 of manifest.json, as ``sha256sum`` prints it

The manifest comes last because its sums are computed while the entries stream out: nothing is read
twice and nothing is held. ``backup.json`` comes first so a restore can say at once that a backup is
from another schema, before reading the rest.

The sums detect truncation and corruption (any changed, missing or added byte or entry). They are not
a signature: whoever can rewrite the archive can rewrite its manifest, so restore only archives you
made or trust.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from core.backup.errors import BackupRefused
from storage.base import InvalidKey, check_key

META = "backup.json"
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"
_ROWS = re.compile(r"^tables/([a-z0-9_]+)/(\d{6})\.jsonl$")
_SHA = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Entry:
    """One entry as the manifest lists it; ``rows`` for table parts, ``content_type`` for files."""

    name: str
    size: int
    sha256: str
    rows: int | None = None
    content_type: str | None = None

    def doc(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class Manifest:
    schema_revision: str
    studio_version: str
    created_at: str
    entries: list[Entry] = field(default_factory=list)

    def encode(self, fmt: str, version: int) -> bytes:
        return orjson.dumps({"format": fmt, "format_version": version, "schema_revision": self.schema_revision,
                             "studio_version": self.studio_version, "created_at": self.created_at,
                             "entries": [entry.doc() for entry in self.entries]}, option=orjson.OPT_INDENT_2)


def rows_name(table: str, part: int) -> str:
    return f"tables/{table}/{part:06d}.jsonl"


def file_name(bucket: str, key: str) -> str:
    return f"files/{bucket}/{key}"


def parse_rows_name(name: str) -> tuple[str, int] | None:
    """``(table, part)`` for a rows entry's name, else None."""
    match = _ROWS.match(name)
    return (match.group(1), int(match.group(2))) if match else None


def parse_file_name(name: str) -> tuple[str, str] | None:
    """``(bucket, key)`` for a file entry's name (key checked as storage checks it), else None."""
    if not name.startswith("files/"):
        return None
    bucket, _, key = name[len("files/"):].partition("/")
    try:
        check_key(bucket, key)
    except InvalidKey as exc:
        raise BackupRefused(f"Entry {name!r} does not name a storable file: {exc}") from exc
    return bucket, key


def decode_manifest(data: bytes, fmt: str, version: int) -> Manifest:
    """Parse and check manifest.json's shape; BackupRefused when anything is off."""
    try:
        doc = orjson.loads(data)
        if doc.get("format") != fmt or doc.get("format_version") != version:
            raise BackupRefused(f"manifest.json is not a {fmt} manifest of format version {version}")
        entries = [_entry(item) for item in doc["entries"]]
        return Manifest(str(doc["schema_revision"]), str(doc["studio_version"]), str(doc["created_at"]), entries)
    except BackupRefused:
        raise
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError) as exc:
        raise BackupRefused(f"manifest.json is damaged ({type(exc).__name__}: {exc})") from exc


def _entry(item: dict[str, Any]) -> Entry:
    size, digest = item["size"], item["sha256"]
    if isinstance(size, bool) or not isinstance(size, int) or size < 0 or not _SHA.match(str(digest)):
        raise ValueError(f"entry {item.get('name')!r} has a bad size or sha256")
    return Entry(str(item["name"]), size, str(digest), item.get("rows"), item.get("content_type"))


def compare(listed: list[Entry], seen: list[Entry]) -> list[str]:
    """What differs between the manifest's entries and the ones the archive really holds, in words."""
    by_name = {entry.name: entry for entry in seen}
    listed_names = {entry.name for entry in listed}
    problems = [f"{e.name} is listed in the manifest but missing from the archive"
                for e in listed if e.name not in by_name]
    problems += [f"{e.name} is in the archive but not in the manifest" for e in seen if e.name not in listed_names]
    for entry in listed:
        actual = by_name.get(entry.name)
        if actual is None:
            continue
        if actual.size != entry.size:
            problems.append(f"{entry.name} has {actual.size} bytes, the manifest says {entry.size}")
        elif actual.sha256 != entry.sha256:
            problems.append(f"{entry.name} does not match its SHA-256 in the manifest (altered or damaged)")
        elif entry.rows is not None and actual.rows != entry.rows:
            problems.append(f"{entry.name} holds {actual.rows} rows, the manifest says {entry.rows}")
    if not problems and [e.name for e in listed] != [e.name for e in seen]:
        problems.append("the entries are not in the order the manifest lists them")
    return problems
