"""Expression sets on the built-in renderer: one job per set, labels in parallel within the limits,
cancel, a second user shut out, and a set interrupted by a restart carried on with what is missing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlmodel import col, select

from core.container import Studio
from core.errors import NotFound, ValidationError
from core.events import Event, EventType
from core.expressions import store
from core.generation import jobs
from core.generation.inputs import PortraitRequest
from core.models import Character, ExpressionLabel, Job, User
from tests.support.factories import make_character, make_user

WAIT_S = 30


@pytest.fixture
async def sets(studio: Studio) -> AsyncIterator[Studio]:
    yield studio
    await studio.expressions.aclose()


async def _with_portrait(studio: Studio) -> tuple[User, Character]:
    user = make_user(studio.ctx.db)
    character = make_character(studio.ctx, user, appearance_tags=["red hair", "green eyes"])
    await studio.generation.generate_portrait(user, PortraitRequest(character_id=character.id))
    return user, character


async def _set_job_ends(studio: Studio, character_id: str, job_id: str) -> Event:
    ended: asyncio.Future[Event] = asyncio.get_running_loop().create_future()

    def watch(event: Event) -> None:
        if event.type in (EventType.JOB_COMPLETED, EventType.JOB_FAILED) and event.data.get("job_id") == job_id \
                and not ended.done():
            ended.set_result(event)

    subscription = studio.ctx.events.subscribe(character_id, watch)
    try:
        with studio.ctx.db.read() as session:
            job = session.get(Job, job_id)
        if job is not None and job.status not in jobs.ACTIVE:
            return Event(EventType.JOB_COMPLETED, character_id, {"job_id": job_id})
        return await asyncio.wait_for(ended, WAIT_S)
    finally:
        subscription.close()


async def test_a_set_fills_every_label_from_the_primary_portrait(sets: Studio) -> None:
    user, character = await _with_portrait(sets)
    started = await sets.expressions.start_set(user, character.id, labels=["joy", "grief", "surprise"])
    assert started.labels == ("joy", "grief", "surprise")
    await _set_job_ends(sets, character.id, started.job_id)
    view = store.read_set(sets.ctx, user, character.id)
    assert view is not None and view.source_kind == "primary" and view.done == 3
    assert [label.label for label in view.labels] == ["joy", "grief", "surprise"]
    assert all(label.status == "completed" and label.chosen for label in view.labels)
    with sets.ctx.db.read() as session:
        job = session.get(Job, started.job_id)
        label_jobs = list(session.exec(select(Job).where(Job.job_type == "expression")))
    assert job is not None and job.status == "completed" and job.job_metadata["done"] == 3
    assert job.job_type == "expression_set" and len(label_jobs) == 3
    assert all(j.status == "completed" for j in label_jobs)


async def test_regenerate_adds_an_alternative_and_chooses_it(sets: Studio) -> None:
    user, character = await _with_portrait(sets)
    first = await sets.expressions.start_set(user, character.id, labels=["joy"])
    await _set_job_ends(sets, character.id, first.job_id)
    before = store.read_set(sets.ctx, user, character.id)
    again = await sets.expressions.regenerate(user, character.id, "joy")
    await _set_job_ends(sets, character.id, again.job_id)
    after = store.read_set(sets.ctx, user, character.id)
    assert before is not None and after is not None
    joy = after.label("joy")
    assert joy is not None and len(joy.images) == 2
    old = before.label("joy")
    assert old is not None and old.chosen is not None and joy.alternatives[0].id == old.chosen.id
    chosen = store.choose_image(sets.ctx, user, character.id, "joy", old.chosen.id)
    assert chosen.chosen is not None and chosen.chosen.id == old.chosen.id


async def test_a_character_without_a_face_is_refused_and_nothing_is_stored(sets: Studio) -> None:
    user = make_user(sets.ctx.db)
    character = make_character(sets.ctx, user)
    with pytest.raises(ValidationError, match="neither a primary portrait nor a reference image"):
        await sets.expressions.start_set(user, character.id, preset="essential")
    assert store.read_set(sets.ctx, user, character.id) is None


async def test_another_user_finds_nothing(sets: Studio) -> None:
    user, character = await _with_portrait(sets)
    started = await sets.expressions.start_set(user, character.id, labels=["joy"])
    await _set_job_ends(sets, character.id, started.job_id)
    stranger = make_user(sets.ctx.db)
    with pytest.raises(NotFound):
        store.read_set(sets.ctx, stranger, character.id)
    with pytest.raises(NotFound):
        await sets.expressions.start_set(stranger, character.id, labels=["joy"])
    with pytest.raises(NotFound):
        store.delete_label(sets.ctx, stranger, character.id, "joy")


async def test_bad_labels_are_refused_before_anything_starts(sets: Studio) -> None:
    user, character = await _with_portrait(sets)
    with pytest.raises(ValidationError, match="lowercase"):
        await sets.expressions.start_set(user, character.id, labels=["Joy"])
    with pytest.raises(ValidationError):
        await sets.expressions.start_set(user, character.id, preset="nope")
    assert store.read_set(sets.ctx, user, character.id) is None


async def test_an_interrupted_set_carries_on_with_the_missing_labels_only(sets: Studio) -> None:
    user, character = await _with_portrait(sets)
    first = await sets.expressions.start_set(user, character.id, labels=["joy"])
    await _set_job_ends(sets, character.id, first.job_id)
    done = store.read_set(sets.ctx, user, character.id)
    assert done is not None
    joy_image = done.label("joy").chosen.id  # type: ignore[union-attr]
    # A process that opened a bigger set and died: its job is failed as interrupted, two labels wait.
    set_id = store.open_set(sets.ctx, user, character.id, ["anger", "fear"], source_kind=done.source_kind,
                            source_url=done.source_url, source_portrait_id=None, background="transparent",
                            api_model_id=None)
    dead = jobs.create_job(sets.ctx.db, user, character_id=character.id, api_model_id=None, prompt="set",
                           metadata={}, job_type=jobs.SET_JOB_TYPE)
    store.attach_job(sets.ctx.db, set_id, dead.id)
    jobs.finish_job(sets.ctx.db, dead.id, "failed", error=jobs.INTERRUPTED)
    resumed = await sets.expressions.resume()
    assert len(resumed) == 1 and await sets.expressions.resume() == []  # claimed once
    await _set_job_ends(sets, character.id, resumed[0])
    view = store.read_set(sets.ctx, user, character.id)
    assert view is not None and view.done == 3
    assert view.label("joy").chosen.id == joy_image  # type: ignore[union-attr]  (not redone)
    with sets.ctx.db.read() as session:
        job = session.get(Job, resumed[0])
        statuses = set(session.exec(select(ExpressionLabel.status)))
    assert job is not None and job.job_metadata["labels"] == ["anger", "fear"]
    assert job.job_metadata["resumed_from"] == dead.id and statuses == {"completed"}


async def test_cancelling_the_set_job_cancels_the_labels_not_done(sets: Studio) -> None:
    user, character = await _with_portrait(sets)
    started = await sets.expressions.start_set(user, character.id, preset="sillytavern")
    cancelled = await sets.generation.cancel_job(user, started.job_id)
    assert cancelled.status == "cancelled"
    with sets.ctx.db.read() as session:
        active = list(session.exec(select(Job).where(col(Job.status).in_(jobs.ACTIVE))))
        statuses = list(session.exec(select(ExpressionLabel.status)))
    assert active == []
    assert "cancelled" in statuses and not {"pending", "generating"} & set(statuses)


async def test_a_sweep_reporting_a_set_job_interrupted_resumes_it(sets: Studio) -> None:
    user, character = await _with_portrait(sets)
    await sets.expressions.start()
    set_id = store.open_set(sets.ctx, user, character.id, ["joy"], source_kind="primary",
                            source_url=character.image_url or _primary_url(sets, character.id),
                            source_portrait_id=None, background="plain", api_model_id=None)
    dead = jobs.create_job(sets.ctx.db, user, character_id=character.id, api_model_id=None, prompt="set",
                           metadata={}, job_type=jobs.SET_JOB_TYPE)
    store.attach_job(sets.ctx.db, set_id, dead.id)
    jobs.finish_job(sets.ctx.db, dead.id, "failed", error=jobs.INTERRUPTED)
    changed: asyncio.Queue[Event] = asyncio.Queue()
    sets.ctx.events.subscribe(character.id, changed.put_nowait)
    sets.ctx.events.publish(Event(EventType.JOB_FAILED, character.id, {"job_id": dead.id, "interrupted": True}))
    while True:
        event = await asyncio.wait_for(changed.get(), WAIT_S)
        if event.type == EventType.EXPRESSION_CHANGED and event.data["status"] == "completed":
            break
    view = store.read_set(sets.ctx, user, character.id)
    assert view is not None and view.job_id != dead.id and view.label("joy").status == "completed"  # type: ignore[union-attr]


def _primary_url(studio: Studio, character_id: str) -> str:
    with studio.ctx.db.read() as session:
        character = session.get(Character, character_id)
    assert character is not None and character.image_url
    return character.image_url
