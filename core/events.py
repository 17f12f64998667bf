"""Publish/subscribe of small domain events, keyed by character id.

Core publishes after it commits; pages subscribe for the character they show. Each subscription
has its own bounded queue and worker task, so a slow or raising handler never blocks the publisher
or the other subscribers. ``publish`` is thread-safe: services run in worker threads and hand the
event to the loop. On PostgreSQL, :class:`core.events_pg.PostgresEventBus` carries the same events
between processes through LISTEN/NOTIFY.

Handlers run on the subscriber's event loop. An async handler may take as long as it likes (only its
own queue backs up); a *sync* handler must be quick, because it runs on the loop itself.
"""

from __future__ import annotations

import asyncio
import contextlib
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


def _new_process_id() -> str:
    return f"{os.getpid()}-{uuid.uuid4().hex[:8]}"


PROCESS_ID = _new_process_id()
ALL = "*"
QUEUE_LIMIT = 1000


def _renew_process_id_after_fork() -> None:
    """A forked worker is another process: it must not share its parent's origin, or the PostgreSQL
    bus would take the siblings' events for its own echoes and drop them."""
    global PROCESS_ID
    PROCESS_ID = _new_process_id()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_renew_process_id_after_fork)


def current_process_id() -> str:
    """The origin stamped on events made in this process (read at call time, so it survives fork)."""
    return PROCESS_ID


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
    EXPRESSION_CHANGED = "expression.changed"  # a label of the character's expression set changed
    SESSION_ENDED = "session.ended"  # keyed by core.sessions.session_key: that browser signed out
    RESYNC = "bus.resync"  # local only: events may have been missed; reload what you show


@dataclass(frozen=True)
class Event:
    """One change, small enough to travel in a NOTIFY payload.

    ``data`` is shared by every subscriber of the event: handlers must treat it as read-only. It is
    left out of the hash (a dict is unhashable) so events can still be put in sets.
    """

    type: EventType
    character_id: str
    data: dict[str, Any] = field(default_factory=dict, hash=False)
    origin: str = field(default_factory=current_process_id)

    def to_json(self) -> dict[str, Any]:
        return {"type": str(self.type), "character_id": self.character_id, "data": self.data,
                "origin": self.origin}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Event:
        """Parse what :meth:`to_json` produced; raises ValueError/KeyError/TypeError on anything else."""
        return cls(EventType(raw["type"]), str(raw["character_id"]), dict(raw.get("data") or {}),
                   str(raw.get("origin") or ""))


Handler = Callable[[Event], Awaitable[None] | None]


class Subscription:
    """One handler's queue and worker; ``close()`` stops it and forgets it."""

    def __init__(self, bus: EventBus, key: str, handler: Handler, loop: asyncio.AbstractEventLoop) -> None:
        self.key = key
        self.closed = False
        self.dropped = 0
        self._bus = bus
        self._handler = handler
        self._loop = loop
        self._queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=QUEUE_LIMIT)
        self._task = loop.create_task(self._run(), name=f"event-subscriber:{key}")

    @property
    def done(self) -> bool:
        """True once the worker task has finished (after ``close()`` took effect)."""
        return self._task.done()

    def offer(self, event: Event) -> None:
        """Queue an event without waiting; a subscriber that fell QUEUE_LIMIT behind loses the oldest.

        Runs on the subscriber's loop only. Events that arrive after ``close()`` (already scheduled by
        a publisher in another thread) are ignored rather than piling up in a dead queue.
        """
        if self.closed:
            return
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
            if self.dropped == 1 or self.dropped % QUEUE_LIMIT == 0:
                log.warning("event subscriber for %s is too slow; dropped %d event(s) so far",
                            self.key, self.dropped)
        self._queue.put_nowait(event)

    def close(self) -> None:
        """Unsubscribe: no further events are delivered and the worker is cancelled. Any thread."""
        if self.closed:
            return
        self.closed = True
        self._bus._forget(self)
        _call_on_loop(self._loop, self._cancel)

    async def wait_closed(self) -> None:
        """Close and wait until the worker task has really finished (same loop only)."""
        self.close()
        if self._task is asyncio.current_task():
            return  # a handler closing its own subscription: the cancel lands when it yields
        await asyncio.wait({self._task})

    def _cancel(self) -> None:
        self._task.cancel()
        while not self._queue.empty():
            self._queue.get_nowait()

    async def _run(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                result = self._handler(event)
                if inspect.isawaitable(result):
                    await result
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if self.closed or (task is not None and task.cancelling()):
                    raise
                # The handler's own await was cancelled, not this worker: a handler failure like any
                # other, and the subscription must keep working.
                log.warning("event handler for %s was cancelled on %s", self.key, event.type)
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
        """Close every subscription and wait for the workers on this loop, so none is left pending."""
        subs = self.subscriptions()
        for sub in subs:
            sub.close()
        loop = asyncio.get_running_loop()
        current = asyncio.current_task()
        tasks = {sub._task for sub in subs if sub._loop is loop and sub._task is not current}
        if tasks:
            await asyncio.wait(tasks)

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

    def resync(self) -> None:
        """Tell every local subscriber that events may have been missed (a cross-process bus calls this
        when its listener is back after an outage): each gets one ``bus.resync`` event for its key and
        reloads what it shows. Never sent to other processes."""
        for sub in self.subscriptions():
            _call_on_loop(sub._loop, sub.offer, Event(EventType.RESYNC, sub.key))

    def subscriber_count(self, key: str | None = None) -> int:
        with self._lock:
            if key is not None:
                return len(self._subs.get(key, ()))
            return sum(len(s) for s in self._subs.values())

    def subscriptions(self) -> list[Subscription]:
        with self._lock:
            return [sub for subs in self._subs.values() for sub in subs]

    def _deliver(self, event: Event) -> None:
        """Offer ``event`` to the subscribers of its character and of ALL; never raises."""
        with self._lock:
            targets = list(self._subs.get(event.character_id, ()))
            if event.character_id != ALL:
                targets += self._subs.get(ALL, ())
        for sub in targets:
            _call_on_loop(sub._loop, sub.offer, event)

    def _forget(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._subs.get(sub.key)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[sub.key]


def _call_on_loop(loop: asyncio.AbstractEventLoop, fn: Callable[..., None], *args: Any) -> None:
    """Run ``fn`` on ``loop``: directly when we are on it, else scheduled thread-safely.

    A loop that closed meanwhile (its page or test is gone) is skipped silently: a publisher must
    never fail because one subscriber's loop went away.
    """
    if loop.is_closed():
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        fn(*args)
        return
    with contextlib.suppress(RuntimeError):  # closed between the check and the call
        loop.call_soon_threadsafe(fn, *args)
