"""Admin commands for self-hosters and scripts: migrate, create-user, create-token, backup, restore,
rotate-secret-key.

Passwords are read from stdin (a pipe) or an interactive prompt, never from argv, where they would
end up in shell history and in ``ps`` output.
"""

from __future__ import annotations

import argparse
import getpass
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from core import auth
from core.admin.secret_rotation import add_rotation_command
from core.backup import backup_stream, restore_backup
from core.bootstrap import make_storage
from core.config import get_settings
from core.db import Database
from core.errors import StudioError
from core.migrate import upgrade
from core.seed import seed_database


def run_command(argv: Sequence[str]) -> int:
    """Run one admin command; returns the process exit code."""
    args = _parser().parse_args(argv)
    db = Database(get_settings().resolved_database_url)
    try:
        upgrade(db)
        seed_database(db)
        return int(args.handler(db, args))
    except StudioError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    finally:
        db.dispose()


def _migrate(db: Database, _args: argparse.Namespace) -> int:
    print("Database is at the latest schema.")
    return 0


def _create_user(db: Database, args: argparse.Namespace) -> int:
    password = _read_password()
    user = auth.create_user(db, args.email, password, args.name or "", is_admin=args.admin)
    role = "admin" if user.is_admin else "user"
    print(f"Created {role} {user.email}")
    return 0


def _create_token(db: Database, args: argparse.Namespace) -> int:
    user = auth.get_user_by_email(db, args.email)
    if user is None:
        print(f"error: no account with email {args.email}", file=sys.stderr)
        return 1
    _, plain = auth.create_token(db, user, args.name or "")
    print(plain)
    return 0


def _backup(db: Database, args: argparse.Namespace) -> int:
    """Write the archive to a temporary file beside FILE and rename it when complete, so an
    interrupted backup never leaves a FILE that looks whole; ``-`` streams to stdout."""
    stream = backup_stream(db, make_storage(get_settings()))
    if args.file == "-":
        out = sys.stdout.buffer
        for chunk in stream:
            out.write(chunk)
        out.flush()
        return 0
    target = Path(args.file).resolve()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            size = sum(handle.write(chunk) for chunk in stream)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    print(f"Backup written to {target} ({size / 1024 / 1024:.1f} MB)", file=sys.stderr)
    return 0


def _restore(db: Database, args: argparse.Namespace) -> int:
    """Restore FILE (``-``: stdin, copied to a temporary file first, since it is read twice)."""
    storage = make_storage(get_settings())
    if args.file != "-":
        path = Path(args.file)
        if not path.is_file():
            print(f"error: no such file: {path}", file=sys.stderr)
            return 1
        summary = restore_backup(db, storage, path)
    else:
        with tempfile.NamedTemporaryFile(prefix="restore-", suffix=".tar") as spool:
            shutil.copyfileobj(sys.stdin.buffer, spool, 1024 * 1024)
            spool.flush()
            summary = restore_backup(db, storage, Path(spool.name))
    rows = sum(summary.rows.values())
    print(f"Restored {rows} rows in {len(summary.rows)} tables and {summary.files} files "
          f"({summary.file_bytes / 1024 / 1024:.1f} MB) from a backup made {summary.created_at} "
          f"by Character Studio {summary.studio_version}.")
    return 0


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Repeat password: "):
            raise StudioError("The passwords do not match")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python main.py", description="Character Studio admin commands")
    commands = parser.add_subparsers(dest="command", required=True)
    migrate = commands.add_parser("migrate", help="apply database migrations and first-start data")
    migrate.set_defaults(handler=_migrate)
    user = commands.add_parser("create-user", help="create an account (password from stdin or a prompt)")
    user.add_argument("email")
    user.add_argument("--admin", action="store_true", help="make the account an admin")
    user.add_argument("--name", help="display name")
    user.set_defaults(handler=_create_user)
    token = commands.add_parser("create-token", help="create an API token and print it once")
    token.add_argument("email")
    token.add_argument("--name", help="a name to recognise the token by")
    token.set_defaults(handler=_create_token)
    backup = commands.add_parser("backup", help="write every table and stored file to one archive")
    backup.add_argument("file", help="where to write the archive (.tar); '-' for stdout")
    backup.set_defaults(handler=_backup)
    restore = commands.add_parser("restore", help="restore an archive into an empty instance")
    restore.add_argument("file", help="the archive 'backup' wrote; '-' for stdin")
    restore.set_defaults(handler=_restore)
    add_rotation_command(commands)  # rotate-secret-key: core/admin/secret_rotation.py
    return parser
