"""Migration 0002 adds ``characters.card_data`` to a database that already holds rows, losing none.

A fresh database (SQLite file, or a new PostgreSQL database on the configured server) is brought to
0001, filled through the 0001 schema (reflected, so these inserts do not depend on today's models),
upgraded to head, checked, and downgraded again.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import select

from core.config import normalise_database_url
from core.db import Database
from core.migrate import alembic_config, upgrade
from core.models import Character, CharacterPortrait, CharacterScene

POSTGRES_URL = os.environ.get("STUDIO_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'old.db'}")
        yield db
        db.dispose()
        return
    admin = sa.create_engine(normalise_database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"studio_migrate_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    db = Database(normalise_database_url(POSTGRES_URL).rsplit("/", 1)[0] + f"/{name}")
    try:
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _fill_at_0001(db: Database) -> None:
    meta = sa.MetaData()
    with db.engine.begin() as conn:
        meta.reflect(conn)
        assert "card_data" not in meta.tables["characters"].c
        stamps = {"created_at": NOW, "updated_at": NOW}
        conn.execute(meta.tables["users"].insert(), [{"id": "u1", "email": "old@example.com", "password_hash": "x",
                                                     "display_name": "", "is_admin": False, **stamps}])
        conn.execute(meta.tables["characters"].insert(), [
            {"id": f"c{i}", "user_id": "u1", "name": f"Old {i}", "description": "kept", "gender": "female",
             "content_rating": "sfw", "is_public": i == 1, "role": "ai", "traits": "calm", "persona": None,
             "appearance_tags": ["red hair"], "clothing_tags": [], "voice_tone": "warm", "mood": "friendly",
             "alternate_greetings": ["hi"], "forbidden_phrases": [], "voice_examples": [],
             "default_presets": {"pose": "sitting"}, "version": 3, **stamps} for i in (1, 2)])
        conn.execute(meta.tables["character_portraits"].insert(), [
            {"id": f"p{i}", "character_id": "c1", "image_url": f"/x/{i}.png", "generation_metadata": {"seed": i},
             "is_primary": i == 1, "sort_order": i, **stamps} for i in (1, 2)])
        conn.execute(meta.tables["character_scenes"].insert(), [
            {"id": "s1", "character_id": "c1", "scene_name": "Dock", "scene_type": "custom",
             "scene_starters": ["Ahoy"], "priority": 1, **stamps}])


def test_upgrade_from_0001_keeps_every_row_and_defaults_card_data(empty_db: Database) -> None:
    upgrade(empty_db, "0001")
    _fill_at_0001(empty_db)
    upgrade(empty_db)  # to head
    with empty_db.read() as session:
        characters = list(session.exec(select(Character).order_by(Character.id)))
        assert [(c.id, c.name, c.version, c.card_data) for c in characters] == [("c1", "Old 1", 3, {}),
                                                                              ("c2", "Old 2", 3, {})]
        assert characters[0].appearance_tags == ["red hair"] and characters[0].default_presets == {"pose": "sitting"}
        portraits = list(session.exec(select(CharacterPortrait).order_by(CharacterPortrait.id)))
        assert [(p.id, p.is_primary, p.generation_metadata) for p in portraits] == [("p1", True, {"seed": 1}),
                                                                                  ("p2", False, {"seed": 2})]
        assert [s.scene_starters for s in session.exec(select(CharacterScene))] == [["Ahoy"]]
    with empty_db.write() as session:  # new rows get the default without naming the column
        session.add(Character(id="c3", user_id="u1", name="New"))
    with empty_db.engine.connect() as conn:
        raw = conn.exec_driver_sql("SELECT card_data FROM characters WHERE id = 'c3'").scalar()
        assert raw in ("{}", {})


def test_downgrade_to_0001_drops_only_the_column(empty_db: Database) -> None:
    upgrade(empty_db, "0001")
    _fill_at_0001(empty_db)
    upgrade(empty_db)
    config = alembic_config(empty_db.url)
    with empty_db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0001")
    meta = sa.MetaData()
    with empty_db.engine.connect() as conn:
        meta.reflect(conn)
        assert "card_data" not in meta.tables["characters"].c
        assert conn.execute(sa.select(sa.func.count()).select_from(meta.tables["characters"])).scalar() == 2
        assert conn.execute(sa.select(sa.func.count()).select_from(meta.tables["character_portraits"])).scalar() == 2
