"""An admin account for the admin services' tests (issue 15): the first account is made the admin, as
``auth`` does, and is forced to be one even when the test made others first."""

from __future__ import annotations

from core.db import Database
from core.models import User
from tests.support.factories import make_user


def make_admin(db: Database, email: str = "admin@example.com") -> User:
    user = make_user(db, email)
    with db.write() as session:
        row = session.get(User, user.id)
        assert row is not None
        row.is_admin = True
        session.add(row)
    user.is_admin = True
    return user
