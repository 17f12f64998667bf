"""A truncated or altered archive, another schema, or an instance with data: refused, and nothing changed."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import auth
from core.backup import BackupRefused, InstanceNotEmpty, restore_backup
from core.context import Context
from core.seed import seed_database
from storage.base import StorageError
from storage.local import LocalStorage
from tests.support.backups import (
    contents,
    fresh_sqlite,
    instance,
    members,
    populate,
    rewrite,
    stored_files,
    write_backup,
)
from tests.support.factories import make_character


@pytest.fixture
def archive(ctx: Context, tmp_path: Path) -> Path:
    seed_database(ctx.db)
    populate(ctx)
    return write_backup(ctx.db, ctx.storage, tmp_path / "backup.tar")


@pytest.fixture
def target(sqlite_template: Path, tmp_path: Path) -> Iterator[Context]:
    fresh = instance(fresh_sqlite(sqlite_template, tmp_path / "fresh"), tmp_path / "fresh")
    yield fresh
    fresh.db.dispose()


def _refused(target: Context, path: Path, match: str, actor_id: str | None = None) -> None:
    """The restore is refused with ``match`` in its message, and the instance is exactly as before."""
    rows, files = contents(target.db), stored_files(target.storage)
    with pytest.raises((BackupRefused, InstanceNotEmpty), match=match):
        restore_backup(target.db, target.storage, path, actor_id=actor_id)
    assert contents(target.db) == rows
    assert stored_files(target.storage) == files


def _offset_of(path: Path, name: str) -> int:
    """Where entry ``name``'s bytes start in the archive."""
    with tarfile.open(path) as tar:
        return tar.getmember(name).offset_data


def _flip(path: Path, offset: int, out: Path) -> Path:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize("cut", ["half", "last byte", "end marker", "before the manifest"])
def test_a_truncated_archive_is_refused(archive: Path, target: Context, tmp_path: Path, cut: str) -> None:
    data = archive.read_bytes()
    length = {"half": len(data) // 2, "last byte": len(data) - 1, "end marker": len(data) - 1024,
              "before the manifest": _offset_of(archive, "manifest.json") - 512}[cut]
    (tmp_path / "cut.tar").write_bytes(data[:length])
    _refused(target, tmp_path / "cut.tar", "truncated")


def test_one_altered_byte_in_a_row_entry_is_refused(archive: Path, target: Context, tmp_path: Path) -> None:
    name = next(n for n in members(archive) if n.startswith("tables/characters/"))
    altered = _flip(archive, _offset_of(archive, name) + 40, tmp_path / "altered.tar")
    _refused(target, altered, f"{name} does not match its SHA-256")


def test_one_altered_byte_in_an_image_is_refused(archive: Path, target: Context, tmp_path: Path) -> None:
    names = [n for n in members(archive) if n.startswith("files/user-library/") and n.endswith(".png")]
    altered = _flip(archive, _offset_of(archive, names[-1]) + 200, tmp_path / "altered.tar")
    _refused(target, altered, "does not match its SHA-256")


def test_an_altered_manifest_is_refused(archive: Path, target: Context, tmp_path: Path) -> None:
    altered = _flip(archive, _offset_of(archive, "manifest.json") + 30, tmp_path / "altered.tar")
    _refused(target, altered, "manifest.json does not match manifest.sha256")


def test_a_missing_or_an_extra_entry_is_refused(archive: Path, target: Context, tmp_path: Path) -> None:
    original = members(archive)
    image = next(n for n in original if n.startswith("files/"))
    _write_raw(tmp_path / "missing.tar", {n: d for n, d in original.items() if n != image})
    _refused(target, tmp_path / "missing.tar", f"{image} is listed in the manifest but missing")
    extra = {**{n: d for n, d in original.items() if n not in ("manifest.json", "manifest.sha256")},
             "files/user-library/stowaway.png": b"not in the manifest",
             "manifest.json": original["manifest.json"], "manifest.sha256": original["manifest.sha256"]}
    _write_raw(tmp_path / "extra.tar", extra)
    _refused(target, tmp_path / "extra.tar", "stowaway.png is in the archive but not in the manifest")


def test_bytes_hidden_after_the_end_are_refused(archive: Path, target: Context, tmp_path: Path) -> None:
    (tmp_path / "tail.tar").write_bytes(archive.read_bytes() + b"\0" * 512 + b"hidden")
    _refused(target, tmp_path / "tail.tar", "data after its end")


def test_another_schema_revision_is_refused_naming_both(archive: Path, target: Context, tmp_path: Path) -> None:
    def older(entries: dict[str, bytes]) -> dict[str, bytes]:
        meta = json.loads(entries["backup.json"])
        meta["schema_revision"] = "0001"
        return {**entries, "backup.json": json.dumps(meta).encode()}

    other = rewrite(archive, tmp_path / "other.tar", older)
    _refused(target, other, "Alembic revision 0001, this instance's at 0")


def test_a_row_that_does_not_fit_its_column_is_refused_before_anything_is_written(
        archive: Path, target: Context, tmp_path: Path) -> None:
    name = next(n for n in members(archive) if n.startswith("tables/users/"))

    def long_email(entries: dict[str, bytes]) -> dict[str, bytes]:
        rows = [json.loads(line) for line in entries[name].splitlines()]
        rows[0]["email"] = "x" * 400 + "@example.com"
        return {**entries, name: b"".join(json.dumps(r).encode() + b"\n" for r in rows)}

    _refused(target, rewrite(archive, tmp_path / "long.tar", long_email), "users.email has 412 characters")


def test_a_non_empty_instance_is_refused(archive: Path, target: Context) -> None:
    owner = auth.create_user(target.db, "someone@example.com", "correct horse battery", is_admin=True)
    make_character(target, owner)
    _refused(target, archive, "not empty .*1 character\\b", actor_id=owner.id)


def test_an_instance_with_another_account_is_refused(archive: Path, target: Context) -> None:
    admin = auth.create_user(target.db, "admin@example.com", "correct horse battery", is_admin=True)
    auth.create_user(target.db, "other@example.com", "correct horse battery")
    _refused(target, archive, "not empty .*1 account besides the admin restoring", actor_id=admin.id)
    _refused(target, archive, "not empty .*2 accounts besides one admin")


class FailingStorage(LocalStorage):
    """Local storage whose third put fails, as a full disk or a dropped S3 connection would."""

    puts = 0

    def put(self, bucket: str, key: str, data: bytes, content_type: str):  # type: ignore[no-untyped-def]
        FailingStorage.puts += 1
        if FailingStorage.puts == 3:
            raise StorageError("disk full")
        return super().put(bucket, key, data, content_type)


def test_a_storage_failure_half_way_rolls_the_rows_back_and_deletes_the_files(
        archive: Path, target: Context) -> None:
    failing = FailingStorage(target.storage.root, "other-secret")  # type: ignore[attr-defined]
    FailingStorage.puts = 0
    before = contents(target.db)
    with pytest.raises(StorageError, match="disk full"):
        restore_backup(target.db, failing, archive)
    assert FailingStorage.puts == 3
    assert contents(target.db) == before and stored_files(target.storage) == {}


def _write_raw(path: Path, entries: dict[str, bytes]) -> None:
    """A tar of exactly these entries (the manifest, if any, as given: it is not recomputed)."""
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
