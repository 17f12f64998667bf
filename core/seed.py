"""First-start data (filled in below)."""

from __future__ import annotations

from core.db import Database


def seed_database(db: Database) -> None:
    """Insert first-start rows that were never inserted before."""
