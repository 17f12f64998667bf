"""Admin commands for self-hosters and scripts: migrate, create-user, create-token.

Passwords are read from stdin (a pipe) or an interactive prompt, never from argv, where they would
end up in shell history and in ``ps`` output.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence

from core import auth
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
    return parser
