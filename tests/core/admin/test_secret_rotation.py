"""Sealed credentials and ``python main.py rotate-secret-key`` (issue 15.1): keys re-encrypted from the old
secret key to the new one, all or nothing, and never printed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from core.admin.secret_rotation import reencrypt_credentials
from core.config import read_or_create_secret
from core.db import Database
from core.errors import StudioError
from core.migrate import upgrade
from core.models import ApiProvider
from core.secret_box import SecretBoxError, open_sealed, seal

ROOT = Path(__file__).resolve().parents[3]
KEY = "r8_0123456789abcdefSECRET"


def test_a_sealed_key_opens_only_with_its_secret_and_never_twice_the_same() -> None:
    first, second = seal("old secret", KEY), seal("old secret", KEY)
    assert first != second and KEY not in first and open_sealed("old secret", first) == KEY
    with pytest.raises(SecretBoxError, match="does not open with this secret key"):
        open_sealed("another secret", first)
    altered = first[:-2] + ("A" if first[-2] != "A" else "B") + first[-1]
    with pytest.raises(SecretBoxError):
        open_sealed("old secret", altered)


def _add(db: Database, name: str, credentials: str | None) -> None:
    with db.write() as session:
        session.add(ApiProvider(kind="replicate", name=name, display_name=name, credentials=credentials))


def _sealed(db: Database) -> dict[str, str | None]:
    with db.read() as session:
        return {p.name: p.credentials for p in session.exec(select(ApiProvider))}


def test_rotation_reseals_every_key_or_changes_nothing(db: Database) -> None:
    _add(db, "one", seal("old secret", KEY))
    _add(db, "none", None)
    assert reencrypt_credentials(db, "old secret", "a brand new secret key") == 1
    assert open_sealed("a brand new secret key", _sealed(db)["one"] or "") == KEY
    _add(db, "foreign", seal("somebody else's secret", "other"))
    before = _sealed(db)
    with pytest.raises(StudioError, match="Provider 'foreign': its stored key does not open"):
        reencrypt_credentials(db, "a brand new secret key", "yet another secret key")
    assert _sealed(db) == before


def _run(data: Path, *args: str, stdin: str = "", secret: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDIO_")}
    env.update({"STUDIO_DATA_DIR": str(data), "STUDIO_DATABASE_URL": "", "STUDIO_SECRET_KEY": secret})
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_the_command_replaces_the_key_file_and_reencrypts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert _run(data, "migrate").returncode == 0
    old = read_or_create_secret(data / "secret_key")  # what the first serve makes
    db = Database(f"sqlite:///{data / 'studio.db'}")
    try:
        upgrade(db)
        _add(db, "mine", seal(old, KEY))
        done = _run(data, "rotate-secret-key")
        assert done.returncode == 0, done.stderr
        new = (data / "secret_key").read_text().strip()
        assert new != old and new not in done.stdout + done.stderr and KEY not in done.stdout + done.stderr
        assert "Re-encrypted 1 stored provider key(s)." in done.stdout
        assert open_sealed(new, _sealed(db)["mine"] or "") == KEY
        assert list(data.glob(".secret_key.new.*")) == []
    finally:
        db.dispose()


def test_with_the_key_in_the_environment_the_new_one_comes_on_stdin(tmp_path: Path) -> None:
    data = tmp_path / "data"
    old = "the environment's secret key"
    assert _run(data, "migrate", secret=old).returncode == 0
    db = Database(f"sqlite:///{data / 'studio.db'}")
    try:
        _add(db, "mine", seal(old, KEY))
        refused = _run(data, "rotate-secret-key", secret=old)
        assert refused.returncode == 1 and "--new-key-stdin" in refused.stderr
        done = _run(data, "rotate-secret-key", "--new-key-stdin", stdin="the next secret key, long\n", secret=old)
        assert done.returncode == 0, done.stderr
        assert "set STUDIO_SECRET_KEY to the new key" in done.stdout
        assert open_sealed("the next secret key, long", _sealed(db)["mine"] or "") == KEY
        assert not (data / "secret_key").exists()
    finally:
        db.dispose()
