"""Apply Alembic migrations from code: the app upgrades its database to ``head`` at start-up."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from core.db import Database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_PG_LOCK_KEY = 0x0A1E_3B1C  # pg_advisory_xact_lock key: one migrating process at a time


def alembic_config(url: str) -> Config:
    """An Alembic config that needs no alembic.ini on disk."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision`` inside one transaction (PostgreSQL DDL is transactional).

    On PostgreSQL the transaction first takes an advisory lock, so processes starting together on
    an empty database migrate one after the other: the second waits, then finds the schema at head
    (without it both created ``alembic_version`` at once and one failed with a unique violation).
    """
    cfg = alembic_config(db.url)
    with db.engine.begin() as connection:
        if not db.is_sqlite:
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
