"""The migrated schema is exactly what the models declare, on every configured database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from core.db import Database


def test_migrated_schema_matches_models(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_sqlite_runs_with_wal_and_foreign_keys(db: Database) -> None:
    if not db.is_sqlite:
        return
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_database_allows_only_one_primary_portrait_per_character(db: Database) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError

    from core.models import Character, CharacterPortrait, User

    with db.write() as session:
        user = User(email="a@example.com", password_hash="x")
        session.add(user)
        session.flush()
        character = Character(user_id=user.id, name="A")
        session.add(character)
        session.flush()
        session.add(CharacterPortrait(character_id=character.id, image_url="/1", is_primary=True))
        session.add(CharacterPortrait(character_id=character.id, image_url="/2", is_primary=False))
    with pytest.raises(IntegrityError), db.write() as session:
        session.add(CharacterPortrait(character_id=character.id, image_url="/3", is_primary=True))


def test_check_constraints_refuse_values_outside_the_seed_enums(db: Database) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError

    from core.models import Character, User

    with db.write() as session:
        user = User(email="b@example.com", password_hash="x")
        session.add(user)
    for field, value in (("gender", "robot"), ("content_rating", "pg"), ("voice_tone", "loud"), ("mood", "sad")):
        with pytest.raises(IntegrityError), db.write() as session:
            session.add(Character(user_id=user.id, name="A", **{field: value}))
