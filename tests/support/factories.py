"""Small builders for test data, through the real services."""

from __future__ import annotations

import functools
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
    """An account as ``auth.create_user`` makes it, hashing each password once per test session:
    at OWASP's scrypt cost (~0.45 s a hash) hundreds of test users would add minutes. The auth
    tests create their accounts through ``auth.create_user`` itself."""
    user = User(email=auth.normalise_email(email or f"user{next(_counter)}@example.com"),
                password_hash=_password_hash(password), is_admin=auth.user_count(db) == 0)
    user.display_name = user.email.split("@")[0]
    with db.write() as session:
        session.add(user)
    return user


@functools.lru_cache(maxsize=8)
def _password_hash(password: str) -> str:
    return auth.hash_password(password)


def make_character(ctx: Context, owner: User, **fields: Any) -> Character:
    data: dict[str, Any] = {"name": "Mira", "description": DESCRIPTION, **fields}
    return create_character(ctx, owner, data)
