"""``GET /api/v1/admin/backup`` and ``POST /api/v1/admin/restore`` on the app ``main.py`` serves."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from httpx import AsyncClient

from core import auth
from core.backup import restore_backup
from core.container import Studio
from core.context import Context
from core.urls import locate
from tests.support.backups import (
    ADMIN_EMAIL,
    PASSWORD,
    contents,
    fresh_sqlite,
    instance,
    populate,
    stored_files,
    write_backup,
)
from tests.support.served_app import api_user

BACKUP, RESTORE = "/api/v1/admin/backup", "/api/v1/admin/restore"
TAR = {"Content-Type": "application/x-tar"}


def _source_archive(template: Path, tmp_path: Path) -> tuple[Path, Context, str]:
    """A populated instance of its own (SQLite) and its backup: what a restore brings in."""
    source = instance(fresh_sqlite(template, tmp_path / "source"), tmp_path / "source", "source-secret")
    made = populate(source)
    return write_backup(source.db, source.storage, tmp_path / "backup.tar"), source, made.character_ids[0]


async def test_an_admin_downloads_the_archive_others_are_refused(studio: Studio, client: AsyncClient,
                                                                 sqlite_template: Path, tmp_path: Path) -> None:
    made = await asyncio.to_thread(populate, studio.ctx)
    admin = {"Authorization": f"Bearer {made.token}"}
    response = await client.get(BACKUP, headers=admin)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-tar"
    assert response.headers["content-disposition"].startswith('attachment; filename="character-studio-backup-')
    (tmp_path / "download.tar").write_bytes(response.content)  # noqa: ASYNC240 (a test's scratch file)
    target = instance(fresh_sqlite(sqlite_template, tmp_path / "fresh"), tmp_path / "fresh")
    try:
        await asyncio.to_thread(restore_backup, target.db, target.storage, tmp_path / "download.tar")
        assert contents(target.db) == contents(studio.ctx.db)
        assert stored_files(target.storage) == stored_files(studio.ctx.storage)
    finally:
        target.db.dispose()

    _, member_token = await asyncio.to_thread(auth.create_token, studio.ctx.db,
                                              auth.get_user_by_email(studio.ctx.db, "friend@example.com"))
    member = {"Authorization": f"Bearer {member_token}"}
    assert (await client.get(BACKUP, headers=member)).status_code == 403
    assert (await client.post(RESTORE, headers={**member, **TAR}, content=b"x")).status_code == 403
    assert (await client.get(BACKUP)).status_code == 401
    assert (await client.post(RESTORE, headers=TAR, content=b"x")).status_code == 401


async def test_the_routes_are_in_the_openapi_schema(client: AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "application/x-tar" in paths[BACKUP]["get"]["responses"]["200"]["content"]
    assert "application/x-tar" in paths[RESTORE]["post"]["requestBody"]["content"]


async def test_a_fresh_instance_restores_an_upload_and_works_on_it(studio: Studio, client: AsyncClient,
                                                                   sqlite_template: Path, tmp_path: Path) -> None:
    archive, source, character_id = await asyncio.to_thread(_source_archive, sqlite_template, tmp_path)
    try:
        fresh_admin = await asyncio.to_thread(api_user, studio, "first-admin@example.com")
        assert fresh_admin.user.is_admin
        data = await asyncio.to_thread(archive.read_bytes)
        response = await client.post(RESTORE, headers={**fresh_admin.headers, **TAR}, content=data)
        assert response.status_code == 200, response.text
        assert response.json()["rows"]["characters"] == 2 and response.json()["files"] > 0
        assert contents(studio.ctx.db) == contents(source.db)

        # The restoring admin's account is gone with the rest of the fresh instance; a restored one signs in.
        assert (await client.get("/api/v1/me", headers=fresh_admin.headers)).status_code == 401
        issued = await client.post("/api/v1/auth/token", json={"email": ADMIN_EMAIL, "password": PASSWORD})
        assert issued.status_code == 201, issued.text
        headers = {"Authorization": f"Bearer {issued.json()['token']}"}
        character = (await client.get(f"/api/v1/characters/{character_id}", headers=headers)).json()
        assert character["name"] == "Mira Vale" and character["appearance_tags"] == ["silver hair", "freckles"]
        gallery = (await client.get(f"/api/v1/characters/{character_id}/portraits", headers=headers)).json()
        assert len(gallery) == 2
        for portrait in gallery:
            image = await client.get(portrait["image_url"])
            assert image.status_code == 200
            assert image.content == source.storage.get(*locate(portrait["image_url"]))  # type: ignore[misc]

        # Now it is not empty: a second restore is refused at once.
        again = await client.post(RESTORE, headers={**headers, **TAR}, content=data)
        assert again.status_code == 409 and "not empty" in again.json()["error"]
    finally:
        source.db.dispose()


async def test_an_altered_upload_is_refused_and_changes_nothing(studio: Studio, client: AsyncClient,
                                                                sqlite_template: Path, tmp_path: Path) -> None:
    archive, source, _ = await asyncio.to_thread(_source_archive, sqlite_template, tmp_path)
    source.db.dispose()
    admin = await asyncio.to_thread(api_user, studio, "first-admin@example.com")
    data = bytearray(await asyncio.to_thread(archive.read_bytes))
    data[len(data) // 2] ^= 0x20
    before = _unchanged(contents(studio.ctx.db))
    response = await client.post(RESTORE, headers={**admin.headers, **TAR}, content=bytes(data))
    assert response.status_code == 400 and response.json()["code"] == "backup_refused", response.text
    assert _unchanged(contents(studio.ctx.db)) == before and stored_files(studio.ctx.storage) == {}
    leftovers = [p.name for p in studio.ctx.settings.data_dir.iterdir() if p.name.startswith(".restore-upload-")]
    assert leftovers == []


def _unchanged(rows: dict[str, list[dict]]) -> dict[str, list[dict]]:  # type: ignore[type-arg]
    """The rows, but for when each token was last used (every request with it writes that)."""
    return {**rows, "api_tokens": [{**t, "last_used_at": None} for t in rows["api_tokens"]]}


@pytest.fixture
def small_restore_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_MAX_RESTORE_BYTES", "4096")


@pytest.mark.usefixtures("small_restore_limit")
async def test_the_restore_limit_is_configurable(studio: Studio, client: AsyncClient) -> None:
    admin = await asyncio.to_thread(api_user, studio, "first-admin@example.com")
    response = await client.post(RESTORE, headers={**admin.headers, **TAR}, content=b"\0" * 5000)
    assert response.status_code == 413
    for body, why in ((b"\0" * 3000, "holds no entries"), (b"PK\x03\x04" + b"z" * 3000, "not a tar archive")):
        small = await client.post(RESTORE, headers={**admin.headers, **TAR}, content=body)
        assert small.status_code == 400 and why in small.json()["error"], small.text
