"""``python main.py backup FILE`` and ``restore FILE`` as a self-hoster runs them; then the server on the result."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from core.db import Database
from core.urls import locate
from tests.support.app_process import ROOT, SECRET, child_env, start_studio
from tests.support.backups import ADMIN_EMAIL, PASSWORD, contents, instance, members, populate, stored_files


def _run(data_dir: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    env = {**child_env(), "STUDIO_DATA_DIR": str(data_dir), "STUDIO_SECRET_KEY": SECRET, "STUDIO_STORAGE": "local"}
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, timeout=120)


def _database(data_dir: Path) -> Database:
    return Database(f"sqlite:///{data_dir / 'studio.db'}")


def test_backup_then_restore_into_a_fresh_data_dir_and_serve_it(tmp_path: Path) -> None:
    source_dir, target_dir = tmp_path / "source", tmp_path / "target"
    assert _run(source_dir, "migrate").returncode == 0
    source = instance(_database(source_dir), source_dir, SECRET)
    made = populate(source)

    written = _run(source_dir, "backup", str(tmp_path / "studio.tar"))
    assert written.returncode == 0, written.stderr.decode()
    assert b"Backup written to" in written.stderr and not list(tmp_path.glob(".studio.tar.*.part"))
    piped = _run(source_dir, "backup", "-")
    assert piped.returncode == 0 and piped.stdout[:512].find(b"backup.json") >= 0
    (tmp_path / "piped.tar").write_bytes(piped.stdout)
    assert list(members(tmp_path / "piped.tar")) == list(members(tmp_path / "studio.tar"))

    restored = _run(target_dir, "restore", str(tmp_path / "studio.tar"))
    assert restored.returncode == 0, restored.stderr.decode()
    assert b"Restored" in restored.stdout
    target = instance(_database(target_dir), target_dir, SECRET)
    try:
        assert contents(target.db) == contents(source.db)
        assert stored_files(target.storage) == stored_files(source.storage)
        again = _run(target_dir, "restore", str(tmp_path / "studio.tar"))
        assert again.returncode == 1 and b"not empty" in again.stderr
    finally:
        target.db.dispose()

    app = start_studio(data_dir=target_dir, auth="password")
    try:
        issued = httpx.post(f"{app.base_url}/api/v1/auth/token", json={"email": ADMIN_EMAIL, "password": PASSWORD})
        assert issued.status_code == 201, issued.text
        headers = {"Authorization": f"Bearer {issued.json()['token']}"}
        character = httpx.get(f"{app.base_url}/api/v1/characters/{made.character_ids[0]}", headers=headers)
        assert character.status_code == 200 and character.json()["name"] == "Mira Vale"
        gallery = httpx.get(f"{app.base_url}/api/v1/characters/{made.character_ids[0]}/portraits", headers=headers)
        for portrait in gallery.json():
            image = httpx.get(app.base_url + portrait["image_url"])
            assert image.status_code == 200
            assert image.content == source.storage.get(*locate(portrait["image_url"]))  # type: ignore[misc]
    finally:
        app.stop()
        source.db.dispose()


def test_a_truncated_archive_is_refused_by_the_command_and_nothing_is_restored(tmp_path: Path) -> None:
    source_dir, target_dir = tmp_path / "source", tmp_path / "target"
    assert _run(source_dir, "migrate").returncode == 0
    source = instance(_database(source_dir), source_dir, SECRET)
    populate(source)
    source.db.dispose()
    data = _run(source_dir, "backup", "-").stdout
    refused = _run(target_dir, "restore", "-", stdin=data[: len(data) - 700])
    assert refused.returncode == 1 and b"truncated" in refused.stderr, refused.stderr.decode()
    target = _database(target_dir)
    try:
        rows = contents(target)
        assert rows["users"] == [] and rows["characters"] == []
        assert not [p for p in (target_dir / "storage").rglob("*") if p.is_file() and ".tmp" not in p.parts]
    finally:
        target.dispose()
    missing = _run(target_dir, "restore", str(tmp_path / "nowhere.tar"))
    assert missing.returncode == 1 and b"no such file" in missing.stderr
