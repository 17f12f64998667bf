"""Which databases the suite runs on: SQLite always, PostgreSQL when ``STUDIO_TEST_POSTGRES_URL`` is set."""

from __future__ import annotations

import os

POSTGRES_URL = os.environ.get("STUDIO_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])
