"""A backup restored into a fresh instance is the studio it was taken from: every row, every byte."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from core import auth, sessions
from core.backup import restore_backup
from core.characters import get_character
from core.context import Context
from core.portraits import list_portraits
from core.scenes import list_scenes
from core.urls import locate
from tests.support.backups import (
    ADMIN_EMAIL,
    CARD_DATA,
    MEMBER_EMAIL,
    PASSWORD,
    contents,
    fresh_sqlite,
    instance,
    members,
    populate,
    stored_files,
    write_backup,
)


@pytest.fixture
def source(ctx: Context) -> Context:
    """The ``ctx`` instance, seeded and filled (on SQLite, and on PostgreSQL when configured)."""
    from core.seed import seed_database

    seed_database(ctx.db)
    return ctx


async def test_round_trip_restores_every_row_and_every_byte(source: Context, sqlite_template: Path,
                                                           tmp_path: Path) -> None:
    made = populate(source)
    archive = write_backup(source.db, source.storage, tmp_path / "backup.tar")
    target = instance(fresh_sqlite(sqlite_template, tmp_path / "fresh"), tmp_path / "fresh")
    try:
        summary = restore_backup(target.db, target.storage, archive)
        assert contents(target.db) == contents(source.db)
        assert stored_files(target.storage) == stored_files(source.storage)
        assert summary.files == len(stored_files(source.storage)) and summary.rows["characters"] == 2

        # The app works on what came back: passwords, tokens and sessions, characters and their images.
        admin = auth.authenticate(target.db, ADMIN_EMAIL, PASSWORD)
        assert admin.id == made.admin_id and admin.is_admin
        assert auth.user_for_token(target.db, made.token).id == admin.id
        member = sessions.session_user(target.db, made.session_token)
        assert member is not None and member.email == MEMBER_EMAIL
        character = get_character(target, admin, made.character_ids[0])
        assert character.card_data == CARD_DATA and character.appearance_tags == ["silver hair", "freckles"]
        gallery = list_portraits(target, admin, character.id)
        assert len(gallery) == 2 and sum(p.is_primary for p in gallery) == 1
        for portrait in gallery:
            bucket, key = locate(portrait.image_url) or ("", "")
            assert target.storage.get(bucket, key) == source.storage.get(bucket, key)
            assert portrait.image_url.startswith("/storage/") and "sig=" in portrait.image_url
        [scene] = list_scenes(target, admin, character.id)
        assert scene.scene_starters == ["Look!"] and locate(scene.image_url) is not None
    finally:
        target.db.dispose()


async def test_restore_from_the_fresh_instances_own_admin_replaces_that_account(
        source: Context, sqlite_template: Path, tmp_path: Path) -> None:
    populate(source)
    archive = write_backup(source.db, source.storage, tmp_path / "backup.tar")
    target = instance(fresh_sqlite(sqlite_template, tmp_path / "fresh"), tmp_path / "fresh")
    try:
        newcomer = auth.create_user(target.db, "new-admin@example.com", PASSWORD, is_admin=True)
        _, newcomers_token = auth.create_token(target.db, newcomer)
        restore_backup(target.db, target.storage, archive, actor_id=newcomer.id)
        assert auth.get_user_by_email(target.db, "new-admin@example.com") is None
        assert contents(target.db) == contents(source.db)
        with pytest.raises(Exception, match="token"):
            auth.user_for_token(target.db, newcomers_token)
    finally:
        target.db.dispose()


async def test_the_archive_is_a_plain_tar_of_portable_rows_files_and_a_manifest_of_sums(
        source: Context, tmp_path: Path) -> None:
    populate(source)
    archive = write_backup(source.db, source.storage, tmp_path / "backup.tar", batch_rows=1)
    entries = members(archive)
    names = list(entries)
    assert names[0] == "backup.json" and names[-2:] == ["manifest.json", "manifest.sha256"]
    manifest = json.loads(entries["manifest.json"])
    assert [e["name"] for e in manifest["entries"]] == names[:-2]
    for entry in manifest["entries"]:
        data = entries[entry["name"]]
        assert entry["size"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert entries["manifest.sha256"].decode().split()[0] == hashlib.sha256(entries["manifest.json"]).hexdigest()
    meta = json.loads(entries["backup.json"])
    assert meta["schema_revision"] == manifest["schema_revision"] != ""
    assert [t["name"] for t in meta["tables"]].index("users") < [t["name"] for t in meta["tables"]].index("characters")
    # batch_rows=1: one row a part, so parts follow each other; the rows are typed portably
    characters = [json.loads(entries[n]) for n in names if n.startswith("tables/characters/")]
    assert [n for n in names if n.startswith("tables/characters/")] == [
        "tables/characters/000001.jsonl", "tables/characters/000002.jsonl"]
    mira = next(c for c in characters if c["name"] == "Mira Vale")
    assert mira["is_public"] is True and mira["card_data"] == CARD_DATA and mira["version"] >= 1
    assert mira["created_at"].endswith("+00:00") and "T" in mira["created_at"]
    files = [n for n in names if n.startswith("files/")]
    assert files and all(entries[n] == source.storage.get(*n[len("files/"):].split("/", 1)) for n in files)
    assert any(n.endswith(".thumb-256.webp") for n in files)
    assert not any(n.endswith(".db") for n in names)
