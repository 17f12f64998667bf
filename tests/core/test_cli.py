"""The admin commands, run as a self-hoster runs them: ``python main.py COMMAND``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core import auth
from core.db import Database

ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STUDIO_DATA_DIR": str(tmp_path / "data"), "STUDIO_DATABASE_URL": ""}
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_migrate_create_user_and_create_token(tmp_path: Path) -> None:
    assert _run(tmp_path, "migrate").returncode == 0
    made = _run(tmp_path, "create-user", "boss@example.com", "--admin", stdin="a long password\n")
    assert made.returncode == 0, made.stderr
    assert "a long password" not in made.stdout + made.stderr
    token = _run(tmp_path, "create-token", "boss@example.com", "--name", "ci")
    assert token.returncode == 0, token.stderr
    plain = token.stdout.strip()
    db = Database(f"sqlite:///{tmp_path / 'data' / 'studio.db'}")
    try:
        user = auth.authenticate(db, "boss@example.com", "a long password")
        assert user.is_admin
        assert auth.user_for_token(db, plain).id == user.id
    finally:
        db.dispose()


def test_bad_input_gives_a_clear_error_and_exit_code(tmp_path: Path) -> None:
    short = _run(tmp_path, "create-user", "x@example.com", stdin="short\n")
    assert short.returncode == 1 and "at least 8 characters" in short.stderr
    missing = _run(tmp_path, "create-token", "nobody@example.com")
    assert missing.returncode == 1 and "no account" in missing.stderr
