"""Jobs that outlive their process, and limits that hold across processes (issue 13, points 3 and 4).

"Two processes" here are two service containers on one database, each with its own runtime, as two
``python main.py`` would have: nothing is shared between them but the database (and, on
PostgreSQL, the event bus's channel is not even used: every wait also re-checks on its own).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import select

from core.context import Context
from core.events import ALL, EventBus, EventType
from core.generation import jobs
from core.generation.inputs import PortraitRequest
from core.generation.providers.base import GeneratedImage, GenerationRequest, ProgressCallback
from core.generation.service import GenerationService
from core.models import Job, utcnow
from core.seed import seed_database
from core.workers import Workers
from tests.support.factories import make_character, make_user
from tests.support.provider_servers import png_bytes


class GatedProvider:
    """An image provider that holds every call until released, and counts how many it holds."""

    name = "gated"

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.holding = 0
        self.most = 0

    async def generate(self, request: GenerationRequest, progress: ProgressCallback) -> GeneratedImage:
        self.holding += 1
        self.most = max(self.most, self.holding)
        try:
            await self.release.wait()
        finally:
            self.holding -= 1
        return GeneratedImage(data=png_bytes((40, 90, 160), size=64), content_type="image/png", seed=1)

    async def aclose(self) -> None:
        """Nothing to close."""


@pytest.fixture
async def two_processes(ctx: Context) -> AsyncIterator[tuple[GenerationService, GenerationService, GatedProvider]]:
    """Two generation services on one database, each with its own runtime (heartbeat 0.5 s)."""
    seed_database(ctx.db)
    ctx.settings.job_heartbeat_s = 0.5
    ctx.settings.max_jobs_per_user = 2
    provider = GatedProvider()
    other = Context(settings=ctx.settings, db=ctx.db, events=EventBus(), storage=ctx.storage,
                    workers=Workers(processes=1))
    services = [GenerationService(c, provider_factory=lambda _row: provider) for c in (ctx, other)]
    for service in services:
        await service.start()
    yield services[0], services[1], provider
    provider.release.set()
    for service in services:
        await service.aclose()
    other.workers.stop()


async def test_the_per_user_limit_holds_across_two_processes(two_processes) -> None:  # type: ignore[no-untyped-def]
    first, second, provider = two_processes
    user = make_user(first.ctx.db)
    character = make_character(first.ctx, user)
    runs = [asyncio.ensure_future(service.generate_portrait(user, PortraitRequest(character_id=character.id)))
            for service in (first, second, first, second)]
    await _until(lambda: provider.holding == 2)
    statuses = _statuses(first.ctx)
    assert sorted(statuses) == ["processing", "processing", "queued", "queued"]
    await asyncio.sleep(1.0)  # two heartbeats: a window in which a third job would have started
    assert provider.most == 2
    provider.release.set()
    results = await asyncio.gather(*runs)
    assert len({r.portrait_id for r in results}) == 4 and provider.most == 2
    assert _statuses(first.ctx) == ["completed"] * 4


async def test_queued_and_processing_jobs_beat_while_their_process_lives(two_processes) -> None:  # type: ignore[no-untyped-def]
    first, _, provider = two_processes
    first.ctx.settings.max_jobs_per_user = 1
    user = make_user(first.ctx.db)
    character = make_character(first.ctx, user)
    runs = [asyncio.ensure_future(first.generate_portrait(user, PortraitRequest(character_id=character.id)))
            for _ in range(2)]
    await _until(lambda: provider.holding == 1 and len(_statuses(first.ctx)) == 2)
    before = _heartbeats(first.ctx)
    await _until(lambda: all(now > before[job_id] for job_id, now in _heartbeats(first.ctx).items()))
    await asyncio.sleep(1.5)  # three sweeps: neither the queued nor the processing job is taken for dead
    assert sorted(_statuses(first.ctx)) == ["processing", "queued"]
    provider.release.set()
    await asyncio.gather(*runs)


async def test_a_dead_process_s_jobs_are_failed_by_the_sweep_and_announced(two_processes) -> None:  # type: ignore[no-untyped-def]
    first, second, _ = two_processes
    user = make_user(first.ctx.db)
    character = make_character(first.ctx, user)
    orphans = [jobs.create_job(first.ctx.db, user, character_id=character.id, api_model_id=None, prompt="p",
                               metadata={}) for _ in range(2)]
    jobs.claim_slot(first.ctx.db, orphans[0].id, user.id, per_user=2, overall=8, fresh_after=timedelta(seconds=1))
    heard: list[str] = []
    for service in (first, second):  # whichever process sweeps first announces it (here: on its own bus)
        service.ctx.events.subscribe(ALL, lambda e: heard.append(e.data["job_id"])
                                     if e.type == EventType.JOB_FAILED else None)
    await _until(lambda: _statuses(first.ctx) == ["failed", "failed"], within=5.0)
    await _until(lambda: sorted(heard) == sorted(j.id for j in orphans))
    with first.ctx.db.read() as session:
        assert all(session.get(Job, j.id).error_message == jobs.INTERRUPTED for j in orphans)  # type: ignore[union-attr]


async def test_a_stale_processing_job_stops_holding_its_slot_before_it_is_swept(ctx: Context) -> None:
    seed_database(ctx.db)
    user = make_user(ctx.db)
    dead = jobs.create_job(ctx.db, user, character_id=None, api_model_id=None, prompt="p", metadata={})
    assert jobs.claim_slot(ctx.db, dead.id, user.id, per_user=1, overall=8, fresh_after=timedelta(seconds=60))
    waiting = jobs.create_job(ctx.db, user, character_id=None, api_model_id=None, prompt="p", metadata={})
    assert not jobs.claim_slot(ctx.db, waiting.id, user.id, per_user=1, overall=8, fresh_after=timedelta(seconds=60))
    with ctx.db.write() as session:  # the dead job's process stopped beating a minute ago
        row = session.get(Job, dead.id)
        assert row is not None
        row.updated_at = utcnow() - timedelta(seconds=61)
        session.add(row)
    assert jobs.claim_slot(ctx.db, waiting.id, user.id, per_user=1, overall=8, fresh_after=timedelta(seconds=60))


def _statuses(ctx: Context) -> list[str]:
    with ctx.db.read() as session:
        return sorted(job.status for job in session.exec(select(Job)).all())


def _heartbeats(ctx: Context) -> dict[str, object]:
    with ctx.db.read() as session:
        return {job.id: job.updated_at for job in session.exec(select(Job)).all()}


async def _until(condition, within: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the condition")
        await asyncio.sleep(0.02)


async def test_a_job_that_ends_while_it_waits_for_a_slot_stops_waiting(ctx: Context) -> None:
    """Cancelled or failed meanwhile (say, swept while this process was stalled): never a wait for ever."""
    seed_database(ctx.db)
    user = make_user(ctx.db)
    job = jobs.create_job(ctx.db, user, character_id=None, api_model_id=None, prompt="p", metadata={})
    jobs.finish_job(ctx.db, job.id, "failed", error="swept")
    with pytest.raises(jobs.JobEnded):
        jobs.claim_slot(ctx.db, job.id, user.id, per_user=1, overall=8, fresh_after=timedelta(seconds=60))
