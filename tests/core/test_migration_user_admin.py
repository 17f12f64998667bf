"""Migration 0006 on existing rows (issue 15.4): every account stays enabled, keeps its password with
no change asked, has no recorded sign-in, and the invites table is there and empty."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from sqlmodel import select

from core import auth
from core.db import Database
from core.migrate import alembic_config, upgrade
from core.models import Invite, User


def test_existing_accounts_stay_enabled_and_keep_their_passwords(db: Database) -> None:
    encoded = auth.hash_password("an old password")
    with db.engine.begin() as conn:  # an install from before: no such columns, no invites
        config = alembic_config(db.url)
        config.attributes["connection"] = conn
        command.downgrade(config, "0005")
        inspector = sa.inspect(conn)
        assert not {"disabled", "must_change_password", "last_sign_in_at"} & \
            {c["name"] for c in inspector.get_columns("users")}
        assert "invites" not in inspector.get_table_names()
        for uid, email, admin in (("u-admin", "admin@example.com", True), ("u-mira", "mira@example.com", False)):
            conn.execute(sa.text(
                "INSERT INTO users (id, email, password_hash, display_name, is_admin, created_at, updated_at) "
                "VALUES (:id, :email, :hash, 'Name', :admin, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                {"id": uid, "email": email, "hash": encoded, "admin": admin})
    upgrade(db)
    with db.read() as session:
        rows = {u.id: u for u in session.exec(select(User))}
        assert list(session.exec(select(Invite))) == []
    assert {uid: (u.is_admin, u.disabled, u.must_change_password, u.last_sign_in_at)
            for uid, u in rows.items()} == {"u-admin": (True, False, False, None),
                                            "u-mira": (False, False, False, None)}
    assert auth.authenticate(db, "mira@example.com", "an old password").id == "u-mira"
