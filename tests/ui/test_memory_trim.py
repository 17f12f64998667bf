"""Freed memory can be handed back to the OS (glibc's malloc_trim is reachable on this platform)."""

from __future__ import annotations

import gc
import sys

from nicegui.testing import User

from core.db import Database
from ui.memory import _release_and_trim, trim_memory


def test_trim_memory_reaches_malloc_trim() -> None:
    blob = [bytearray(64 * 1024) for _ in range(200)]  # ~13 MB of heap, then freed
    del blob
    assert trim_memory() is True or not sys.platform.startswith("linux")


def test_idle_sqlite_connections_are_released_and_the_database_still_answers(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path}/trim.db")
    try:
        held = [db.engine.connect() for _ in range(3)]
        for conn in held:
            conn.exec_driver_sql("SELECT 1")
        busy = held.pop()
        for conn in held:
            conn.close()  # back to the pool: two idle, one still checked out
        assert db.release_idle_connections() == 2
        assert db.engine.pool.checkedin() == 0
        assert busy.exec_driver_sql("SELECT 2").scalar() == 2  # a connection in use is not touched
        busy.close()
        with db.read() as session:
            assert session.connection().exec_driver_sql("SELECT 3").scalar() == 3
    finally:
        db.dispose()



def test_release_runs_before_the_trim_and_a_failing_release_is_contained() -> None:
    calls: list[str] = []
    _release_and_trim(lambda: calls.append("released"))
    assert calls == ["released"]

    def broken() -> None:
        raise RuntimeError("pool already closed")

    _release_and_trim(broken)  # logged, not raised: housekeeping never takes the server down



async def test_objects_made_at_start_up_are_frozen_while_the_app_serves(user: User) -> None:
    """A full collection then walks only what came after start-up (the closed tabs' elements)."""
    await user.open("/")
    assert gc.get_freeze_count() > 50_000  # modules, NiceGUI, SQLAlchemy, the app: ~160,000
