"""Migration 0004 on existing rows (issue 14, point 3): ``appearance_details`` is a column of its own;
existing characters keep their traits and get no details."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from sqlmodel import select

from core.db import Database
from core.migrate import alembic_config, upgrade
from core.models import Character


def test_existing_characters_keep_their_traits_and_get_empty_details(db: Database) -> None:
    with db.engine.begin() as conn:  # an install from before: the column does not exist yet
        config = alembic_config(db.url)
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
        conn.execute(sa.text("DELETE FROM characters"))
        conn.execute(sa.text("DELETE FROM users"))
        conn.execute(sa.text(
            "INSERT INTO users (id, email, password_hash, display_name, is_admin, created_at, updated_at) "
            "VALUES ('u1', 'old@example.com', 'x', 'Old', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        conn.execute(sa.text(
            "INSERT INTO characters (id, user_id, name, description, gender, content_rating, is_public, role, "
            "traits, appearance_tags, clothing_tags, voice_tone, mood, alternate_greetings, forbidden_phrases, "
            "voice_examples, default_presets, card_data, version, created_at, updated_at) VALUES ('c1', 'u1', "
            "'Old', 'An old character', 'female', 'sfw', false, 'ai', 'brave, kind', '[]', '[]', 'warm', "
            "'friendly', '[]', '[]', '[]', '{}', '{}', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    upgrade(db)
    with db.read() as session:
        row = session.exec(select(Character).where(Character.id == "c1")).one()
    assert row.traits == "brave, kind" and row.appearance_details is None
