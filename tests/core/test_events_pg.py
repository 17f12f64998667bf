"""The PostgreSQL event bus: events cross buses, processes and a dropped connection.

Collected only when ``STUDIO_TEST_POSTGRES_URL`` is set (see ``collect_ignore_glob`` in conftest);
then an unreachable server fails these tests, it never skips them. Each test uses its own channel on
the session's own database, so parallel runs cannot hear each other.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest

from core.events import ALL, Event, EventType
from core.events_pg import (
    LISTENER_APP_NAME,
    MAX_PAYLOAD_BYTES,
    SENDER_APP_NAME,
    PostgresEventBus,
    encode_event,
    libpq_url,
)

ROOT = Path(__file__).resolve().parents[2]
BOUND_S = 1.0  # the bar: another process's event arrives within one second


class Recorder:
    """A handler that records events with their arrival time and lets a test await "n arrived"."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.arrived: list[float] = []
        self.arrived_wall: list[float] = []
        self._changed = asyncio.Event()

    async def __call__(self, event: Event) -> None:
        self.arrived.append(time.perf_counter())
        self.arrived_wall.append(time.time())
        self.events.append(event)
        self._changed.set()

    async def wait_for_count(self, n: int) -> None:
        """Wait until ``n`` events arrived, at most BOUND_S."""

        async def reached() -> None:
            while len(self.events) < n:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(reached(), BOUND_S)


@pytest.fixture
def channel() -> str:
    return f"studio_events_test_{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def buses(postgres_url: str, channel: str) -> AsyncIterator[tuple[PostgresEventBus, PostgresEventBus]]:
    """Two buses on one database with distinct origins: two processes, as far as the bus can tell."""
    a = PostgresEventBus(postgres_url, channel=channel, origin="proc-a", max_backoff_s=0.5)
    b = PostgresEventBus(postgres_url, channel=channel, origin="proc-b", max_backoff_s=0.5)
    await a.start()
    await b.start()
    try:
        yield a, b
    finally:
        await a.stop()
        await b.stop()


def portrait(character_id: str, n: int, **data: object) -> Event:
    return Event(EventType.PORTRAIT_INSERTED, character_id, {"n": n, **data})


async def test_two_buses_on_one_database_receive_each_others_events(
    buses: tuple[PostgresEventBus, PostgresEventBus],
) -> None:
    a, b = buses
    at_a, at_b, other_char = Recorder(), Recorder(), Recorder()
    a.subscribe("char-1", at_a)
    b.subscribe("char-1", at_b)
    b.subscribe("char-2", other_char)

    a.publish(portrait("char-1", 1))
    await asyncio.wait_for(a.flush(), BOUND_S)
    await at_b.wait_for_count(1)
    b.publish(portrait("char-1", 2))
    await asyncio.wait_for(b.flush(), BOUND_S)
    await at_a.wait_for_count(2)

    assert [(e.data["n"], e.origin) for e in at_b.events] == [(1, "proc-a"), (2, "proc-b")]
    # a's own NOTIFY of event 1 came back to a's listener before event 2 did: had the echo not been
    # dropped by origin, it would sit between the two.
    assert [(e.data["n"], e.origin) for e in at_a.events] == [(1, "proc-a"), (2, "proc-b")]
    b.publish(portrait("char-2", 3))
    await other_char.wait_for_count(1)
    assert [e.data["n"] for e in other_char.events] == [3]


async def test_publish_from_a_worker_thread_reaches_the_other_bus(
    buses: tuple[PostgresEventBus, PostgresEventBus],
) -> None:
    a, b = buses
    rec = Recorder()
    b.subscribe("char-1", rec)
    await asyncio.to_thread(lambda: [a.publish(portrait("char-1", n)) for n in range(5)])
    await rec.wait_for_count(5)
    assert [e.data["n"] for e in rec.events] == list(range(5))  # NOTIFY order is publish order


async def test_oversized_event_travels_in_compact_form(buses: tuple[PostgresEventBus, PostgresEventBus]) -> None:
    a, b = buses
    local, remote = Recorder(), Recorder()
    a.subscribe("char-1", local)
    b.subscribe("char-1", remote)
    big = portrait("char-1", 7, portrait_id="p-7", prompt="x" * 20_000)

    a.publish(big)
    await local.wait_for_count(1)
    await remote.wait_for_count(1)
    assert local.events[0].data["prompt"] == "x" * 20_000  # in-process subscribers get it whole
    assert remote.events[0].data == {"n": 7, "portrait_id": "p-7", "_truncated": True}


def test_encode_event_stays_under_the_notify_limit() -> None:
    small = portrait("c", 1, portrait_id="p")
    assert encode_event(small) is not None and "_truncated" not in encode_event(small)
    many_short = portrait("c", 1, **{f"k{i}": "v" * 100 for i in range(200)})
    payload = encode_event(many_short)
    assert payload is not None and len(payload.encode()) <= MAX_PAYLOAD_BYTES
    assert '"data":{"_truncated":true}' in payload
    assert encode_event(Event(EventType.JOB_FAILED, "c" * 9000)) is None


CHILD = r"""
import asyncio, sys, time
from core.events import ALL, Event, EventType
from core.events_pg import PostgresEventBus

async def main(url: str, channel: str) -> None:
    bus = PostgresEventBus(url, channel=channel)
    await bus.start()
    print("ready", bus.origin, flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    bus.publish(Event(EventType.PORTRAIT_INSERTED, "char-x",
                      {"portrait_id": "p-1", "sent_at": time.time()}))
    await asyncio.wait_for(bus.flush(), 5)
    await bus.stop()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


async def test_portrait_inserted_in_another_process_arrives_within_one_second(
    postgres_url: str, channel: str
) -> None:
    bus = PostgresEventBus(postgres_url, channel=channel)
    await bus.start()
    rec = Recorder()
    bus.subscribe("char-x", rec)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, postgres_url, channel, cwd=ROOT, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert child.stdin is not None and child.stdout is not None
        ready = await asyncio.wait_for(child.stdout.readline(), 60)  # interpreter start-up, not the bar
        assert ready.startswith(b"ready "), ready
        child_origin = ready.split()[1].decode()

        go = time.perf_counter()
        child.stdin.write(b"go\n")
        await child.stdin.drain()
        await rec.wait_for_count(1)  # fails past BOUND_S
        latency_s = rec.arrived[0] - go
        wall_latency_s = rec.arrived_wall[0] - rec.events[0].data["sent_at"]

        event = rec.events[0]
        assert event.type is EventType.PORTRAIT_INSERTED and event.data["portrait_id"] == "p-1"
        assert event.origin == child_origin != bus.origin
        assert latency_s < BOUND_S
        print(f"\ncross-process portrait.inserted: {latency_s * 1000:.1f} ms from 'go' to handler, "
              f"{wall_latency_s * 1000:.1f} ms from the child's publish to the handler")
        assert await asyncio.wait_for(child.wait(), 30) == 0
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        await bus.stop()


async def _terminate(postgres_url: str, app_name: str) -> list[int]:
    """Kill this database's backends of ``app_name`` from an admin connection, as a failover would."""
    async with await psycopg.AsyncConnection.connect(libpq_url(postgres_url), autocommit=True) as admin:
        cur = await admin.execute(
            "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s", (app_name,))
        return [row[0] for row in await cur.fetchall()]


async def test_listener_reconnects_after_its_backend_is_terminated(
    buses: tuple[PostgresEventBus, PostgresEventBus], postgres_url: str
) -> None:
    a, b = buses
    rec = Recorder()
    b.subscribe("char-1", rec)
    a.publish(portrait("char-1", 1))  # also opens a's sender connection
    await rec.wait_for_count(1)
    old_pid = b.listener_pid
    assert old_pid is not None

    killed = await _terminate(postgres_url, LISTENER_APP_NAME)
    assert old_pid in killed
    new_pid = await asyncio.wait_for(b.wait_listening(not_pid=old_pid), 10)
    assert new_pid != old_pid

    a.publish(portrait("char-1", 2))
    await rec.wait_for_count(3)
    assert [e.type for e in rec.events] == [EventType.PORTRAIT_INSERTED, EventType.RESYNC,
                                             EventType.PORTRAIT_INSERTED]
    assert [e.data["n"] for e in rec.events if e.type != EventType.RESYNC] == [1, 2]


async def test_after_an_outage_every_local_subscriber_is_told_to_resync(
    buses: tuple[PostgresEventBus, PostgresEventBus], postgres_url: str
) -> None:
    """Notifications sent while the listener was away are lost: open pages must reload (issue 13.7)."""
    a, b = buses
    first, second, everything = Recorder(), Recorder(), Recorder()
    b.subscribe("char-1", first)
    b.subscribe("char-2", second)
    b.subscribe(ALL, everything)
    old_pid = await asyncio.wait_for(b.wait_listening(), 10)
    await _terminate(postgres_url, LISTENER_APP_NAME)
    await asyncio.wait_for(b.wait_listening(not_pid=old_pid), 10)
    for rec, key in ((first, "char-1"), (second, "char-2"), (everything, ALL)):
        await rec.wait_for_count(1)
        assert [(e.type, e.character_id) for e in rec.events] == [(EventType.RESYNC, key)]


async def test_sender_reconnects_after_its_backend_is_terminated(
    buses: tuple[PostgresEventBus, PostgresEventBus], postgres_url: str
) -> None:
    a, b = buses
    rec = Recorder()
    b.subscribe("char-1", rec)
    a.publish(portrait("char-1", 1))
    await rec.wait_for_count(1)

    assert await _terminate(postgres_url, SENDER_APP_NAME)  # the sender does not notice until it sends
    a.publish(portrait("char-1", 2))
    await rec.wait_for_count(2)
    assert [e.data["n"] for e in rec.events] == [1, 2]


async def test_unreachable_database_never_blocks_publish() -> None:
    bus = PostgresEventBus("postgresql+psycopg://postgres@127.0.0.1:1/none", channel="studio_events",
                           start_timeout_s=0.2, stop_timeout_s=0.2, max_backoff_s=0.1)
    await bus.start()  # warns and keeps retrying in the background
    assert bus.listener_pid is None
    rec = Recorder()
    bus.subscribe("c", rec)
    started = time.perf_counter()
    for n in range(100):
        bus.publish(portrait("c", n))
    assert time.perf_counter() - started < 0.1
    await rec.wait_for_count(100)  # local delivery does not depend on the database
    await asyncio.wait_for(bus.stop(), 5)
