"""Small builders for test data, through the real services."""

from __future__ import annotations

import itertools
from typing import Any

from core import auth
from core.characters import create_character
from core.context import Context
from core.db import Database
from core.models import Character, User

_counter = itertools.count()
DESCRIPTION = "A wandering cartographer who maps places that do not exist yet, kind but restless."


def make_user(db: Database, email: str | None = None, password: str = "correct horse") -> User:
    return auth.create_user(db, email or f"user{next(_counter)}@example.com", password)


def make_character(ctx: Context, owner: User, **fields: Any) -> Character:
    data: dict[str, Any] = {"name": "Mira", "description": DESCRIPTION, **fields}
    return create_character(ctx, owner, data)
