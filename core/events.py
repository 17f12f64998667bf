"""Publish/subscribe of small domain events, keyed by character id.

Core publishes after it commits; pages subscribe for the character they show. Each subscription
has its own bounded queue and worker task, so a slow or raising handler never blocks the publisher
or the other subscribers. ``publish`` is thread-safe: services run in worker threads and hand the
event to the loop. On PostgreSQL, :class:`core.events_pg.PostgresEventBus` carries the same events
between processes through LISTEN/NOTIFY.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import threading
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

log = logging.getLogger(__name__)

PROCESS_ID = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
ALL = "*"
QUEUE_LIMIT = 1000


class EventType(StrEnum):
    PORTRAIT_INSERTED = "portrait.inserted"
    PORTRAIT_UPDATED = "portrait.updated"
    PORTRAIT_DELETED = "portrait.deleted"
    CHARACTER_UPDATED = "character.updated"
    CHARACTER_DELETED = "character.deleted"
    SCENE_CHANGED = "scene.changed"
    JOB_PROGRESS = "job.progress"
    JOB_COMPLETED = "job.completed"
    JOB_FAILED = "job.failed"


@dataclass(frozen=True)
class Event:
    type: EventType
    character_id: str
    data: dict[str, Any] = field(default_factory=dict)
    origin: str = PROCESS_ID

    def to_json(self) -> dict[str, Any]:
        return {"type": str(self.type), "character_id": self.character_id, "data": self.data,
                "origin": self.origin}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Event:
        return cls(EventType(raw["type"]), str(raw["character_id"]), dict(raw.get("data") or {}),
                   str(raw.get("origin") or ""))


Handler = Callable[[Event], Awaitable[None] | None]


class Subscription:
    """One handler's queue and worker; ``close()`` stops it and forgets it."""

    def __init__(self, bus: EventBus, key: str, handler: Handler, loop: asyncio.AbstractEventLoop) -> None:
        self.key = key
        self._bus = bus
        self._handler = handler
        self._loop = loop
        self._queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=QUEUE_LIMIT)
        self._task = loop.create_task(self._run(), name=f"event-subscriber:{key}")
        self.closed = False

    def offer(self, event: Event) -> None:
        """Queue an event without waiting; a subscriber that fell QUEUE_LIMIT behind loses the oldest."""
        if self._queue.full():
            self._queue.get_nowait()
            log.warning("event subscriber for %s is too slow; dropped its oldest event", self.key)
        self._queue.put_nowait(event)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._bus._forget(self)
        if not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._task.cancel)

    async def _run(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                result = self._handler(event)
                if inspect.isawaitable(result):
                    await result
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("event handler for %s failed on %s", self.key, event.type)


class EventBus:
    """In-process bus: the default for one ``python main.py`` process."""

    def __init__(self) -> None:
        self._subs: dict[str, set[Subscription]] = {}
        self._lock = threading.Lock()

    async def start(self) -> None:
        """Nothing to connect for the in-process bus; subclasses open their listeners here."""

    async def stop(self) -> None:
        for sub in self.subscriptions():
            sub.close()

    def subscribe(self, key: str, handler: Handler) -> Subscription:
        """Call ``handler`` for every event of character ``key`` (or every event, with ``ALL``).

        Must be called on the event loop that will run the handler.
        """
        sub = Subscription(self, key, handler, asyncio.get_running_loop())
        with self._lock:
            self._subs.setdefault(key, set()).add(sub)
        return sub

    def publish(self, event: Event) -> None:
        """Hand ``event`` to every matching subscriber; safe from any thread, never blocks."""
        self._deliver(event)

    def subscriber_count(self, key: str | None = None) -> int:
        with self._lock:
            if key is not None:
                return len(self._subs.get(key, ()))
            return sum(len(s) for s in self._subs.values())

    def subscriptions(self) -> list[Subscription]:
        with self._lock:
            return [sub for subs in self._subs.values() for sub in subs]

    def _deliver(self, event: Event) -> None:
        with self._lock:
            targets = list(self._subs.get(event.character_id, ())) + list(self._subs.get(ALL, ()))
        for sub in targets:
            _call_on_loop(sub._loop, sub.offer, event)

    def _forget(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._subs.get(sub.key)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[sub.key]


def _call_on_loop(loop: asyncio.AbstractEventLoop, fn: Callable[[Event], None], event: Event) -> None:
    if loop.is_closed():
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        fn(event)
    else:
        loop.call_soon_threadsafe(fn, event)
