"""The pipeline against a provider that misbehaves: retries, a hang, and falling back to another model.

The fal adapter talks to a loopback server that speaks fal's sync protocol; the studio's provider
row points at it (``base_url`` and ``config``), exactly as a self-hoster would point it at a proxy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from sqlmodel import select

from core.container import Studio
from core.errors import GenerationFailed
from core.generation.inputs import PortraitRequest
from core.models import ApiModel, ApiProvider, CharacterPortrait, Job
from storage.base import USER_LIBRARY
from tests.support.factories import make_character, make_user
from tests.support.provider_servers import LoopbackServer, png_bytes, reply, running_server, sequence

MODEL_KEY = "fal-ai/flux/dev"


@pytest.fixture
async def fal(studio: Studio) -> AsyncIterator[LoopbackServer]:
    """fal switched on and pointed at a loopback server; the builtin stays as the lower-priority fallback."""
    async with running_server() as server:
        server.route("GET", "/portrait.png", _png)
        studio.ctx.settings.fal_key = "test-fal-key"
        studio.ctx.settings.provider_timeout_s = 1.0
        with studio.ctx.db.write() as session:
            provider = session.exec(select(ApiProvider).where(ApiProvider.name == "fal")).one()
            provider.is_active = True
            provider.base_url = server.url
            provider.config = {"mode": "sync", "run_base": server.url, "base_delay": 0.01, "max_delay": 0.05}
            model = session.exec(select(ApiModel).where(ApiModel.model_key == MODEL_KEY)).one()
            model.is_active = True
            session.add_all([provider, model])
        yield server


async def _png(_request: web.Request) -> web.Response:
    return web.Response(body=png_bytes((10, 120, 200), size=64), content_type="image/png")


def _ok(server: LoopbackServer) -> object:
    return reply(200, {"images": [{"url": f"{server.url}/portrait.png", "width": 64, "height": 64}], "seed": 7})


def _counts(studio: Studio, user_id: str) -> tuple[int, list[str]]:
    with studio.ctx.db.read() as session:
        portraits = len(session.exec(select(CharacterPortrait)).all())
    return portraits, [o.key for o in studio.ctx.storage.list(USER_LIBRARY, f"{user_id}/")]


def _only_builtin_off(studio: Studio) -> None:
    with studio.ctx.db.write() as session:
        for model in session.exec(select(ApiModel).where(ApiModel.model_key == "builtin/preview")):
            model.is_active = False
            session.add(model)


async def test_429_twice_then_success_gives_one_portrait_and_a_completed_job(studio: Studio,
                                                                           fal: LoopbackServer) -> None:
    user = make_user(studio.ctx.db)
    character = make_character(studio.ctx, user)
    limited = reply(429, {"detail": "Too many requests"}, headers={"Retry-After": "0"})
    fal.route("POST", f"/{MODEL_KEY}", sequence(limited, limited, _ok(fal)))
    result = await studio.generation.generate_portrait(user, PortraitRequest(character_id=character.id))
    assert len(fal.calls("POST", f"/{MODEL_KEY}")) == 3
    with studio.ctx.db.read() as session:
        job = session.get(Job, result.job_id)
        portraits = session.exec(select(CharacterPortrait)).all()
    assert job is not None and job.status == "completed"
    assert [p.id for p in portraits] == [result.portrait_id]
    assert portraits[0].generation_metadata["model_key"] == MODEL_KEY
    assert studio.ctx.storage.get(USER_LIBRARY, result.storage_path or "").startswith(b"\x89PNG")


async def test_a_hanging_provider_fails_the_job_with_a_timeout_and_leaves_nothing(studio: Studio,
                                                                                 fal: LoopbackServer) -> None:
    _only_builtin_off(studio)
    user = make_user(studio.ctx.db)
    character = make_character(studio.ctx, user)

    async def hang(_request: web.Request) -> web.Response:
        return await fal.hang()

    fal.route("POST", f"/{MODEL_KEY}", hang)
    with pytest.raises(GenerationFailed, match="timed out"):
        await studio.generation.generate_portrait(user, PortraitRequest(character_id=character.id))
    with studio.ctx.db.read() as session:
        jobs = session.exec(select(Job)).all()
    assert [j.status for j in jobs] == ["failed"] and "timed out" in (jobs[0].error_message or "")
    assert _counts(studio, user.id) == (0, [])


async def test_a_provider_that_keeps_failing_falls_back_to_the_next_model(studio: Studio,
                                                                        fal: LoopbackServer) -> None:
    user = make_user(studio.ctx.db)
    character = make_character(studio.ctx, user)
    fal.route("POST", f"/{MODEL_KEY}", reply(503, {"detail": "down", "error_type": "runner_unavailable"}))
    result = await studio.generation.generate_portrait(user, PortraitRequest(character_id=character.id))
    assert len(fal.calls("POST", f"/{MODEL_KEY}")) >= 2  # retried before giving up on it
    with studio.ctx.db.read() as session:
        portrait = session.get(CharacterPortrait, result.portrait_id)
        job = session.get(Job, result.job_id)
    assert portrait is not None and portrait.generation_metadata["model_key"] == "builtin/preview"
    assert job is not None and job.status == "completed"


async def test_a_policy_block_is_not_retried_and_not_fallen_back(studio: Studio, fal: LoopbackServer) -> None:
    from core.errors import ContentBlocked

    user = make_user(studio.ctx.db)
    character = make_character(studio.ctx, user)
    fal.route("POST", f"/{MODEL_KEY}", reply(422, {"detail": [{"loc": ["body", "prompt"], "msg": "blocked",
                                                                "type": "content_policy_violation"}]}))
    with pytest.raises(ContentBlocked):
        await studio.generation.generate_portrait(user, PortraitRequest(character_id=character.id))
    assert len(fal.calls("POST", f"/{MODEL_KEY}")) == 1
    assert _counts(studio, user.id) == (0, [])


async def test_per_user_limit_queues_the_second_job_until_the_first_is_done(studio: Studio,
                                                                          fal: LoopbackServer) -> None:
    import asyncio

    studio.ctx.settings.max_jobs_per_user = 1
    studio.ctx.settings.provider_timeout_s = 10.0
    studio.generation = type(studio.generation)(studio.ctx)  # limits are read when the service is built
    user = make_user(studio.ctx.db)
    character = make_character(studio.ctx, user)
    release = asyncio.Event()
    ok = _ok(fal)

    async def gated(request: web.Request) -> web.StreamResponse:
        await release.wait()
        return await ok(request)  # type: ignore[operator]

    fal.route("POST", f"/{MODEL_KEY}", gated)
    job_ids: list[str] = []
    runs = [asyncio.ensure_future(studio.generation.generate_portrait(
        user, PortraitRequest(character_id=character.id), on_job=lambda job: job_ids.append(job.id)))
        for _ in range(2)]
    await fal.wait_for("POST", f"/{MODEL_KEY}", 1)
    await asyncio.sleep(0.3)  # the window in which a second, unlimited job would also reach the provider
    assert len(fal.calls("POST", f"/{MODEL_KEY}")) == 1
    with studio.ctx.db.read() as session:
        statuses = sorted(session.get(Job, job_id).status for job_id in job_ids)  # type: ignore[union-attr]
    assert statuses == ["processing", "queued"]
    release.set()
    results = await asyncio.gather(*runs)
    assert len({r.portrait_id for r in results}) == 2
