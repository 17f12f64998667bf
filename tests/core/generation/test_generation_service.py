"""The pipeline service with the built-in renderer: scene images, cancellation, stale jobs."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from core.container import Studio
from core.events import Event, EventType
from core.generation import jobs
from core.generation.inputs import PortraitRequest
from core.models import CharacterPortrait, Job
from core.scenes import create_scene, list_scenes
from tests.support.factories import make_character, make_user


async def test_a_scene_image_is_set_on_the_scene_and_is_not_a_portrait(studio: Studio) -> None:
    user = make_user(studio.ctx.db)
    character = make_character(studio.ctx, user)
    scene = create_scene(studio.ctx, user, character.id, {"scene_name": "Harbor", "scene_prompt": "foggy harbor"})
    result = await studio.generation.generate_portrait(
        user, PortraitRequest(character_id=character.id, prompt_override="foggy harbor", scene_id=scene.id))
    assert result.portrait_id is None
    assert list_scenes(studio.ctx, user, character.id)[0].image_url
    with studio.ctx.db.read() as session:
        assert session.exec(select(CharacterPortrait)).all() == []


async def test_progress_events_reach_subscribers_and_end_with_completed(studio: Studio) -> None:
    user = make_user(studio.ctx.db)
    character = make_character(studio.ctx, user)
    seen: list[Event] = []
    done = asyncio.Event()

    def collect(event: Event) -> None:
        seen.append(event)
        if event.type == EventType.JOB_COMPLETED:
            done.set()

    studio.ctx.events.subscribe(character.id, collect)
    result = await studio.generation.generate_portrait(user, PortraitRequest(character_id=character.id))
    await asyncio.wait_for(done.wait(), 2)
    progress = [e for e in seen if e.type == EventType.JOB_PROGRESS]
    assert progress and all(e.data["job_id"] == result.job_id for e in progress)
    assert [e.data["stage"] for e in progress][0] == "queued"
    assert progress[-1].data["stage"] == "finalizing"


async def test_cancelling_a_running_job_marks_it_cancelled(studio: Studio) -> None:
    user = make_user(studio.ctx.db)
    character = make_character(studio.ctx, user)
    started: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.ensure_future(studio.generation.generate_portrait(
        user, PortraitRequest(character_id=character.id), on_job=lambda job: started.set_result(job.id)))
    job_id = await asyncio.wait_for(started, 2)
    cancelled = await studio.generation.cancel_job(user, job_id)
    assert cancelled.status == "cancelled"
    assert task.cancelled()


async def test_jobs_left_running_by_a_crash_are_failed_at_start(studio: Studio) -> None:
    user = make_user(studio.ctx.db)
    job = jobs.create_job(studio.ctx.db, user, character_id=None, api_model_id=None, prompt="p", metadata={})
    jobs.mark_processing(studio.ctx.db, job.id)
    assert [j.id for j in jobs.fail_stale_jobs(studio.ctx.db, timedelta(0))] == [job.id]
    with studio.ctx.db.read() as session:
        stored = session.get(Job, job.id)
    assert stored is not None and stored.status == "failed" and "Interrupted" in (stored.error_message or "")
