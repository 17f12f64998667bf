"""The jobs of one process while they run: heartbeats, slots under the limits, and the sweep.

A job row is written before any work starts (:mod:`core.generation.jobs`); from then until it ends,
this process beats its heartbeat every ``job_heartbeat_s``, queued or processing. Every process also
sweeps: a job of any process whose heartbeat is older than twice the interval is failed, and the
pages showing it hear ``job.failed``. So a job never outlives its process unnoticed: after a
``kill -9`` its jobs are failed within three intervals (15 s by default).

A queued job waits for a slot: :func:`core.generation.jobs.claim_slot` counts the processing jobs in
the database, so the per-user and overall limits hold across processes. A waiting job tries again
when a job ends anywhere (``job.completed`` / ``job.failed`` reach every process over the event
bus) and at least once an interval, in case that news was lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from datetime import timedelta

from core.context import Context
from core.events import ALL, Event, EventType, Subscription
from core.generation import jobs

log = logging.getLogger(__name__)
_ENDED = (EventType.JOB_COMPLETED, EventType.JOB_FAILED, EventType.RESYNC)  # resync: some may have ended unheard


class JobRuntime:
    """Heartbeats and the sweep (a background task from :meth:`start`), and slots for jobs."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.interval_s = max(0.05, float(ctx.settings.job_heartbeat_s))
        self._active: set[str] = set()
        self._ended = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._subscription: Subscription | None = None

    @property
    def stale_after(self) -> timedelta:
        return timedelta(seconds=2 * self.interval_s)

    async def start(self) -> None:
        self._subscription = self.ctx.events.subscribe(ALL, self._on_event)
        self._task = asyncio.create_task(self._beat_and_sweep(), name="job-heartbeats")

    async def stop(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    @contextlib.contextmanager
    def owned(self, job_id: str) -> Iterator[None]:
        """This process beats the job's heartbeat for as long as the block runs."""
        self._active.add(job_id)
        try:
            yield
        finally:
            self._active.discard(job_id)

    async def acquire(self, job_id: str, user_id: str) -> None:
        """Wait until the job holds a slot (it is then ``processing``)."""
        settings = self.ctx.settings
        while not await asyncio.to_thread(jobs.claim_slot, self.ctx.db, job_id, user_id,
                                          per_user=max(1, settings.max_jobs_per_user),
                                          overall=max(1, settings.max_jobs_total), fresh_after=self.stale_after):
            async with self._ended:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._ended.wait(), self.interval_s)

    async def job_ended(self) -> None:
        """A job of this process ended: waiting jobs may claim its slot now."""
        async with self._ended:
            self._ended.notify_all()

    async def sweep(self) -> list[str]:
        """Fail the stale jobs of every process now; returns their ids."""
        failed = await asyncio.to_thread(jobs.fail_stale_jobs, self.ctx.db, self.stale_after,
                                         alive=sorted(self._active))
        for job in failed:
            log.warning("job %s lost its process (no heartbeat for %s); marked failed", job.id, self.stale_after)
            self.ctx.events.publish(Event(EventType.JOB_FAILED, job.character_id or f"job:{job.id}",
                                          {"job_id": job.id, "error": jobs.INTERRUPTED, "interrupted": True}))
        return [job.id for job in failed]

    async def _beat_and_sweep(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)  # the heartbeat's own period, not a wait for a condition
            try:
                await asyncio.to_thread(jobs.heartbeat, self.ctx.db, sorted(self._active))
                await self.sweep()
            except Exception:  # a database hiccup must not stop the heartbeats for good
                log.exception("job heartbeat or sweep failed; trying again in %.1f s", self.interval_s)

    async def _on_event(self, event: Event) -> None:
        if event.type in _ENDED:
            await self.job_ended()
