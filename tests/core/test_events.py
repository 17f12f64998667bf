"""The in-process event bus: routing, isolation of slow/raising subscribers, threads, clean unsubscribe.

Every wait is on a condition the handler sets (bounded by ``asyncio.wait_for``), never a sleep.
"""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import time
import weakref
from collections.abc import AsyncIterator, Awaitable

import pytest

from core import events
from core.events import ALL, QUEUE_LIMIT, Event, EventBus, EventType

BOUND_S = 1.0


class Recorder:
    """A handler that records events and lets a test await "n events arrived"."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.threads: set[int] = set()
        self._changed = asyncio.Event()

    async def __call__(self, event: Event) -> None:
        self.events.append(event)
        self.threads.add(threading.get_ident())
        self._changed.set()

    async def wait_for_count(self, n: int) -> None:
        """Wait until ``n`` events arrived, at most BOUND_S (a failure, not a hang, when they don't)."""

        async def reached() -> None:
            while len(self.events) < n:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(reached(), BOUND_S)


def ev(character_id: str, n: int = 0, kind: EventType = EventType.PORTRAIT_INSERTED) -> Event:
    return Event(kind, character_id, {"n": n})


@pytest.fixture
async def bus() -> AsyncIterator[EventBus]:
    b = EventBus()
    await b.start()
    yield b
    await b.stop()


async def test_delivers_to_its_key_and_to_all(bus: EventBus) -> None:
    a, b, every = Recorder(), Recorder(), Recorder()
    bus.subscribe("char-a", a)
    bus.subscribe("char-b", b)
    bus.subscribe(ALL, every)

    bus.publish(ev("char-a", 1))
    bus.publish(ev("char-b", 2))
    await a.wait_for_count(1)
    await b.wait_for_count(1)
    await every.wait_for_count(2)

    # Queues are FIFO: had char-a's event reached b's handler, it would be b's first.
    assert [e.data["n"] for e in a.events] == [1]
    assert [e.data["n"] for e in b.events] == [2]
    assert [e.data["n"] for e in every.events] == [1, 2]


async def test_event_for_all_key_reaches_all_subscriber_once(bus: EventBus) -> None:
    every = Recorder()
    bus.subscribe(ALL, every)
    bus.publish(ev(ALL, 1))
    bus.publish(ev("other", 2))
    await every.wait_for_count(2)
    assert [e.data["n"] for e in every.events] == [1, 2]


async def test_slow_subscriber_does_not_delay_others(bus: EventBus) -> None:
    never = asyncio.Event()
    slow_started = asyncio.Event()

    async def slow(event: Event) -> None:
        slow_started.set()
        await never.wait()

    fast = Recorder()
    slow_sub = bus.subscribe("c", slow)
    bus.subscribe("c", fast)

    bus.publish(ev("c", 0))
    await asyncio.wait_for(slow_started.wait(), BOUND_S)
    await fast.wait_for_count(1)  # within BOUND_S, while the slow one is still stuck on event 0

    # Keep going past what the stuck subscriber's queue holds; batches let the fast one keep up.
    publish_s = 0.0
    for start in range(1, QUEUE_LIMIT + 10, 100):
        started = time.perf_counter()
        for i in range(start, min(start + 100, QUEUE_LIMIT + 10)):
            bus.publish(ev("c", i))
        publish_s += time.perf_counter() - started
        await fast.wait_for_count(min(start + 100, QUEUE_LIMIT + 10))
    assert [e.data["n"] for e in fast.events] == list(range(QUEUE_LIMIT + 10))
    assert publish_s < 0.5, f"publishing to a stuck subscriber took {publish_s:.3f}s"
    # The stuck subscriber holds one event in its handler and QUEUE_LIMIT queued; the oldest went.
    assert slow_sub.dropped == 9


class Raising(Recorder):
    """Records the event, then fails like a buggy page handler would."""

    def __init__(self, asynchronous: bool) -> None:
        super().__init__()
        self.asynchronous = asynchronous

    def __call__(self, event: Event) -> Awaitable[None] | None:  # type: ignore[override]
        if self.asynchronous:
            return self._fail_async(event)
        self.events.append(event)
        self._changed.set()
        raise RuntimeError("sync handler failed")

    async def _fail_async(self, event: Event) -> None:
        await super().__call__(event)
        raise ValueError("async handler failed")


async def test_raising_handlers_do_not_break_others_or_the_publisher(bus: EventBus) -> None:
    sync_bad, async_bad, good = Raising(asynchronous=False), Raising(asynchronous=True), Recorder()
    bus.subscribe("c", sync_bad)
    bus.subscribe("c", async_bad)
    bus.subscribe("c", good)

    for n in (1, 2, 3):
        bus.publish(ev("c", n))  # must not raise
    for rec in (sync_bad, async_bad, good):
        await rec.wait_for_count(3)  # the failing subscribers keep receiving too
        assert [e.data["n"] for e in rec.events] == [1, 2, 3]
    assert bus.subscriber_count("c") == 3


async def test_handler_whose_await_is_cancelled_keeps_its_subscription(bus: EventBus) -> None:
    rec = Recorder()

    async def handler(event: Event) -> None:
        if event.data["n"] == 1:
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            fut.cancel()
            await fut  # raises CancelledError inside the handler, not a close()
        await rec(event)

    sub = bus.subscribe("c", handler)
    bus.publish(ev("c", 1))
    bus.publish(ev("c", 2))
    await rec.wait_for_count(1)
    assert [e.data["n"] for e in rec.events] == [2]
    assert not sub.done


async def test_publish_from_worker_thread_arrives_on_the_loop(bus: EventBus) -> None:
    rec = Recorder()
    bus.subscribe("c", rec)
    loop_thread = threading.get_ident()

    await asyncio.to_thread(bus.publish, ev("c", 1))
    worker = threading.Thread(target=lambda: [bus.publish(ev("c", n)) for n in (2, 3)])
    worker.start()
    await asyncio.to_thread(worker.join)

    await rec.wait_for_count(3)
    assert [e.data["n"] for e in rec.events] == [1, 2, 3]
    assert rec.threads == {loop_thread}


async def test_close_removes_the_subscription_and_finishes_its_worker(bus: EventBus) -> None:
    gone, stays = Recorder(), Recorder()
    sub = bus.subscribe("c", gone)
    bus.subscribe("c", stays)
    assert bus.subscriber_count() == 2

    sub.close()
    assert bus.subscriber_count("c") == 1
    await asyncio.wait_for(sub.wait_closed(), BOUND_S)
    assert sub.done and sub.closed

    bus.publish(ev("c", 1))
    await stays.wait_for_count(1)
    assert gone.events == []
    sub.close()  # idempotent


async def test_subscribe_close_cycles_leak_nothing(bus: EventBus) -> None:
    baseline_tasks = len(asyncio.all_tasks())
    refs: list[weakref.ref[events.Subscription]] = []
    for i in range(1000):
        sub = bus.subscribe(f"char-{i % 7}", Recorder())
        if i % 100 == 0:
            bus.publish(ev(f"char-{i % 7}", i))
        refs.append(weakref.ref(sub))
        await sub.wait_closed()
        assert sub.done
    del sub

    assert bus.subscriber_count() == 0
    assert bus._subs == {}
    assert len(asyncio.all_tasks()) == baseline_tasks
    gc.collect()
    assert sum(r() is not None for r in refs) == 0


async def test_stop_closes_every_subscription_and_waits_for_workers() -> None:
    b = EventBus()
    never = asyncio.Event()

    async def stuck(event: Event) -> None:
        await never.wait()

    subs = [b.subscribe("c", stuck), b.subscribe(ALL, Recorder())]
    b.publish(ev("c"))
    await asyncio.wait_for(b.stop(), BOUND_S)
    assert b.subscriber_count() == 0
    assert all(s.done for s in subs)


def test_publish_survives_a_subscriber_whose_loop_is_closed() -> None:
    b = EventBus()
    loop = asyncio.new_event_loop()

    async def subscribe() -> events.Subscription:
        return b.subscribe("c", Recorder())

    sub = loop.run_until_complete(subscribe())
    loop.run_until_complete(sub.wait_closed())
    b._subs.setdefault("c", set()).add(sub)  # as if the page's loop vanished without closing
    loop.close()
    b.publish(ev("c"))  # must not raise
    sub.close()


def test_event_json_roundtrip_and_hashable() -> None:
    e = Event(EventType.JOB_PROGRESS, "c1", {"job_id": "j", "pct": 40}, origin="elsewhere")
    assert Event.from_json(e.to_json()) == e
    assert hash(e) == hash(Event.from_json(e.to_json()))
    assert Event(EventType.JOB_FAILED, "c1").origin == events.current_process_id()
    with pytest.raises(ValueError):
        Event.from_json({"type": "no.such", "character_id": "c"})


def test_forked_child_gets_its_own_origin() -> None:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report the origin its events would carry, then leave at once
        os.write(write_fd, Event(EventType.JOB_FAILED, "c").origin.encode())
        os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        child_origin = pipe.read()
    os.waitpid(pid, 0)
    assert child_origin and child_origin != events.current_process_id()
    assert child_origin.startswith(f"{pid}-")
