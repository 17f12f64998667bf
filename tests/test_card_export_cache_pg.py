"""Two processes on one PostgreSQL database: a card cached in one is dropped by an edit made in the
other (its event arrives by LISTEN/NOTIFY), and nothing is served while the listener is down.

Collected only when ``STUDIO_TEST_POSTGRES_URL`` is set (see ``collect_ignore_glob`` in conftest).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest

from core import characters
from core.card_export import export_card
from core.config import Settings
from core.context import Context
from core.events import Event, EventType
from core.events_pg import PostgresEventBus, libpq_url
from storage.local import LocalStorage
from tests.cards_support import card_texts, make_full_character
from tests.conftest import make_database
from tests.factories import make_user

BOUND_S = 5.0


@pytest.fixture
async def two_processes(postgres_url: str, request: pytest.FixtureRequest, tmp_path: Path,
                        settings: Settings, storage: LocalStorage) -> AsyncIterator[tuple[Context, Context]]:
    """Two contexts on one database and one storage, each with its own bus (distinct origins)."""
    channel = f"studio_cache_test_{uuid.uuid4().hex[:10]}"
    db = make_database("postgres", request, tmp_path)
    buses = [PostgresEventBus(postgres_url, channel=channel, origin=f"proc-{n}", max_backoff_s=0.2) for n in "ab"]
    for bus in buses:
        await bus.start()
    try:
        yield Context(settings, db, buses[0], storage), Context(settings, db, buses[1], storage)
    finally:
        for bus in buses:
            await bus.stop()
        db.dispose()


async def _next_event(ctx: Context, character_id: str, kind: EventType | None = None) -> asyncio.Future[Event]:
    """A future for the next event (of ``kind``) of the character on ``ctx``'s bus; the bus's watchers
    (the cache) have run by the time it resolves."""
    arrived: asyncio.Future[Event] = asyncio.get_running_loop().create_future()

    def handler(event: Event) -> None:
        if not arrived.done() and kind in (None, event.type):
            arrived.set_result(event)

    subscription = ctx.events.subscribe(character_id, handler)
    arrived.add_done_callback(lambda _f: subscription.close())
    return arrived


async def test_an_edit_in_another_process_drops_the_cached_card(two_processes: tuple[Context, Context]) -> None:
    a, b = two_processes
    owner = make_user(a.db)
    character = await make_full_character(b, owner)
    # B's events about building the character reach A in order: wait for a marker sent after them.
    marker = await _next_event(a, character.id, EventType.JOB_PROGRESS)
    b.events.publish(Event(EventType.JOB_PROGRESS, character.id, {"stage": "marker"}))
    await asyncio.wait_for(marker, BOUND_S)
    await export_card(a, owner, character.id, "png")
    assert len(a.exports) == 1
    arrived = await _next_event(a, character.id)
    current = characters.get_character(b, owner, character.id)
    characters.update_character(b, owner, character.id, {"name": "Edited Elsewhere"}, current.version)
    await asyncio.wait_for(arrived, BOUND_S)
    assert len(a.exports) == 0
    exported = await export_card(a, owner, character.id, "png")
    assert card_texts(exported.data)["ccv3"]["data"]["name"] == "Edited Elsewhere"


async def test_nothing_is_served_while_the_listener_reconnects(two_processes: tuple[Context, Context],
                                                               postgres_url: str) -> None:
    a, _b = two_processes
    bus = a.events
    assert isinstance(bus, PostgresEventBus)
    owner = make_user(a.db)
    character = await make_full_character(a, owner)
    await export_card(a, owner, character.id, "json")
    old_pid = bus.listener_pid
    assert old_pid is not None and len(a.exports) == 1
    with psycopg.connect(libpq_url(postgres_url), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (old_pid,))
    await asyncio.wait_for(bus.wait_listening(not_pid=old_pid), BOUND_S)
    # Events sent while it was down never arrive: the reconnect dropped every cached card.
    assert len(a.exports) == 0
