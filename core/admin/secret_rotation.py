"""Rotating the secret key: every stored provider key re-encrypted from the old key to the new one.

All or nothing: the keys are re-sealed in one transaction, and a key that does not open with the old
secret stops the rotation before anything is written (the message names the provider). When the
secret lives in ``{data_dir}/secret_key`` (no ``STUDIO_SECRET_KEY``), the new one is written beside it
first and moved over it only once the database has committed, so a failure at any step leaves the
old key and the old ciphertexts working together.

What else follows the secret key: signed storage URLs are signed afresh at every read
(core/urls.py), so images keep working; signed-in browsers are signed out (NiceGUI's storage secret).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from core.config import get_settings
from core.db import Database
from core.errors import StudioError
from core.models import ApiProvider, utcnow
from core.secret_box import SecretBoxError, open_sealed, seal

MIN_SECRET = 16


@dataclass(frozen=True)
class Rotation:
    reencrypted: int  # how many provider keys were re-sealed
    key_file: Path | None  # where the new secret was written, when the studio keeps it in a file


def new_secret() -> str:
    return secrets.token_urlsafe(48)


def reencrypt_credentials(db: Database, old_secret: str, new_secret_key: str) -> int:
    """Re-seal every stored provider key under ``new_secret_key``; nothing changes if one fails to open."""
    if len(new_secret_key) < MIN_SECRET:
        raise StudioError(f"The new secret key must be at least {MIN_SECRET} characters")
    if new_secret_key == old_secret:
        raise StudioError("The new secret key is the same as the old one")
    count = 0
    with db.write() as session:
        for row in session.exec(select(ApiProvider).where(col(ApiProvider.credentials).is_not(None))):
            try:
                plain = open_sealed(old_secret, row.credentials or "")
            except SecretBoxError as exc:
                raise StudioError(f"Provider {row.name!r}: its stored key does not open with the current secret "
                                  f"key, so nothing was changed ({exc})") from exc
            row.credentials = seal(new_secret_key, plain)
            row.updated_at = utcnow()
            session.add(row)
            count += 1
    return count


def rotate_secret_key(db: Database, old_secret: str, new_secret_key: str, key_file: Path | None) -> Rotation:
    """Re-encrypt, and when ``key_file`` is given, put the new secret there (0600) after the commit."""
    staged: Path | None = None
    if key_file is not None:
        fd, name = tempfile.mkstemp(prefix=".secret_key.new.", dir=key_file.parent)
        staged = Path(name)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_secret_key)
            handle.flush()
            os.fsync(handle.fileno())
    try:
        count = reencrypt_credentials(db, old_secret, new_secret_key)
    except BaseException:
        if staged is not None:
            staged.unlink(missing_ok=True)
        raise
    if staged is not None and key_file is not None:
        os.replace(staged, key_file)
    return Rotation(count, key_file)


def run_rotation_command(db: Database, args: argparse.Namespace) -> int:
    """``python main.py rotate-secret-key [--new-key-stdin]``: stop the studio first (a running one keeps
    the old key in memory). Without ``STUDIO_SECRET_KEY`` the new key is generated (or read from stdin)
    and replaces ``{data_dir}/secret_key``; with it, the new key must come on stdin, and the variable is
    then the admin's to change. The key is never printed."""
    settings = get_settings()
    from_env = bool(settings.secret_key)
    if from_env and not args.new_key_stdin:
        raise StudioError("STUDIO_SECRET_KEY is set, so the new key cannot be written for you: pipe it in with "
                          "--new-key-stdin, then set STUDIO_SECRET_KEY to it before the next start")
    new = sys.stdin.readline().strip() if args.new_key_stdin else new_secret()
    key_file = None if from_env else settings.data_dir / "secret_key"
    done = rotate_secret_key(db, settings.resolved_secret_key(), new, key_file)
    print(f"Re-encrypted {done.reencrypted} stored provider key(s).")
    if done.key_file is not None:
        print(f"The new secret key is in {done.key_file}. Signed-in browsers will need to sign in again.")
    else:
        print("Now set STUDIO_SECRET_KEY to the new key before starting the studio again.")
    return 0


def add_rotation_command(commands: Any) -> None:
    """The ``rotate-secret-key`` sub-command, for core/cli.py's parser."""
    rotate = commands.add_parser("rotate-secret-key", help="re-encrypt stored provider keys under a new secret key")
    rotate.add_argument("--new-key-stdin", action="store_true",
                        help="read the new secret key from stdin (required when STUDIO_SECRET_KEY is set)")
    rotate.set_defaults(handler=run_rotation_command)
