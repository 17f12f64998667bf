"""A sprite asked for on a transparent background, from a provider that paints one, is cut out by the
active background remover; without one, or when it refuses, the plain sprite is kept and says so.

Everything real but the far end: the seeded model rows, the registry's fal adapter, a loopback fal peer
that speaks the queue protocol for the face model (``fal-ai/flux-pulid``, an opaque sprite) and for
BiRefNet (the cut-out), the image gate, storage and the database. The character's face is a portrait
from the built-in renderer, made before the hosted models are switched on.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from PIL import Image
from sqlmodel import select

from core.container import Studio
from core.context import Context
from core.events import Event, EventType
from core.expressions.service import ExpressionService
from core.generation import jobs
from core.generation.inputs import PortraitRequest
from core.generation.provider_setup import ProviderFactory, default_factory
from core.generation.providers.base import ImageProvider
from core.generation.providers.registry import ProviderConfig, make_provider
from core.generation.service import GenerationService
from core.models import ApiModel, ApiProvider, Character, ExpressionImage, ExpressionLabel, Job, User
from core.seed import seed_database
from storage.base import USER_LIBRARY
from tests.support.factories import make_character, make_user
from tests.support.provider_servers import (
    FAL_BIREFNET,
    LoopbackServer,
    png_bytes,
    reply,
    running_server,
    serve_fal_birefnet,
    serve_file,
    transparent_png,
)

FACE_MODEL = "fal-ai/flux-pulid"
SPRITE = png_bytes((236, 232, 226), size=32)  # what the face model paints: an opaque background
CUT_OUT = transparent_png()
WAIT_S = 30


@dataclass
class Setup:
    studio: Studio
    server: LoopbackServer
    user: User
    character: Character
    face_model_id: str


def _factory(ctx: Context, server: LoopbackServer) -> ProviderFactory:
    """The service's provider factory: the built-in renderer as shipped, hosted kinds at the loopback peer
    (one attempt, quick polls: each test decides what fails)."""
    builtin = default_factory(ctx.settings, ctx.workers)

    def make(provider: ApiProvider) -> ImageProvider:
        if provider.kind == "builtin":
            return builtin(provider)
        extra = {"attempts": 1, "poll_interval": 0.005, "cancel_timeout": 0.5, "run_base": server.url, "wait_s": 5}
        return make_provider(provider.kind, ProviderConfig(api_key="test-key", base_url=server.url, timeout_s=5.0,
                                                           extra=extra))

    return make


def _activate(ctx: Context, *model_keys: str) -> dict[str, str]:
    """Switch on the seeded rows of these models and their providers; their ids by model key."""
    ids: dict[str, str] = {}
    with ctx.db.write() as session:
        for key in model_keys:
            model = session.exec(select(ApiModel).where(ApiModel.model_key == key)).one()
            provider = session.get(ApiProvider, model.provider_id)
            assert provider is not None
            model.is_active = provider.is_active = True
            session.add(model)
            session.add(provider)
            ids[key] = model.id
    return ids


def _serve_face_model(server: LoopbackServer, sprite: bytes) -> None:
    """fal's queue protocol for the face model: submit, COMPLETED, ``{"images": [...]}`` of an opaque sprite
    (no word about its background, as fal's answers never have one)."""
    base = f"{server.url}/{FACE_MODEL}/requests/face-1"
    url = serve_file(server, "/files/sprite.png", sprite)
    server.route("POST", f"/{FACE_MODEL}", reply(200, {"request_id": "face-1", "response_url": base,
                                                      "status_url": f"{base}/status", "cancel_url": f"{base}/cancel"}))
    server.route("GET", f"/{FACE_MODEL}/requests/face-1/status", reply(200, {"status": "COMPLETED"}))
    server.route("GET", f"/{FACE_MODEL}/requests/face-1",
                 reply(200, {"images": [{"url": url, "content_type": "image/png", "width": 32, "height": 32}],
                             "seed": 7}))


@pytest.fixture
async def setup(ctx: Context) -> AsyncIterator[Setup]:
    seed_database(ctx.db)  # the built-in renderer on; fal, its face models and the removers off
    async with running_server() as server:
        generation = GenerationService(ctx, provider_factory=_factory(ctx, server))
        studio = Studio(ctx=ctx, generation=generation, expressions=ExpressionService(ctx, generation))
        try:
            user = make_user(ctx.db)
            character = make_character(ctx, user, appearance_tags=["red hair", "green eyes"])
            await generation.generate_portrait(user, PortraitRequest(character_id=character.id))  # the face
            face_model_id = _activate(ctx, FACE_MODEL)[FACE_MODEL]
            _serve_face_model(server, SPRITE)
            yield Setup(studio, server, user, character, face_model_id)
        finally:
            await studio.expressions.aclose()
            await generation.aclose()


async def _run_set(setup: Setup, background: str) -> tuple[ExpressionLabel, ExpressionImage]:
    """Start a one-label set on the face model, await its job's end (an event), return the label and image."""
    studio, character_id = setup.studio, setup.character.id
    ended: asyncio.Future[Event] = asyncio.get_running_loop().create_future()
    job_id: list[str] = []

    def watch(event: Event) -> None:
        if event.type in (EventType.JOB_COMPLETED, EventType.JOB_FAILED) and job_id \
                and event.data.get("job_id") == job_id[0] and not ended.done():
            ended.set_result(event)

    subscription = studio.ctx.events.subscribe(character_id, watch)
    try:
        started = await studio.expressions.start_set(setup.user, character_id, labels=["joy"],
                                                     api_model_id=setup.face_model_id, background=background)
        job_id.append(started.job_id)
        with studio.ctx.db.read() as session:
            job = session.get(Job, started.job_id)
        if job is None or job.status in jobs.ACTIVE:
            await asyncio.wait_for(ended, WAIT_S)
    finally:
        subscription.close()
    with studio.ctx.db.read() as session:
        label = session.exec(select(ExpressionLabel).where(ExpressionLabel.label == "joy")).one()
        image = session.exec(select(ExpressionImage).where(ExpressionImage.label_id == label.id)).one()
    assert len(setup.server.calls("POST", f"/{FACE_MODEL}")) == 1  # the sprite came from the face model
    return label, image


def _display_name(setup: Setup, model_key: str) -> str:
    with setup.studio.ctx.db.read() as session:
        return session.exec(select(ApiModel.display_name).where(ApiModel.model_key == model_key)).one()


def _pixels(data: bytes) -> tuple[tuple[int, int], bytes]:
    """Size and RGBA pixels: what survives the gate's re-encoding unchanged."""
    with Image.open(io.BytesIO(data)) as image:
        return image.size, image.convert("RGBA").tobytes()


def _stored(setup: Setup, image: ExpressionImage) -> bytes:
    assert image.storage_path
    return setup.studio.ctx.storage.get(USER_LIBRARY, image.storage_path)


async def test_an_opaque_sprite_is_cut_out_by_the_active_remover(setup: Setup) -> None:
    _activate(setup.studio.ctx, FAL_BIREFNET)
    serve_fal_birefnet(setup.server, CUT_OUT)

    label, image = await _run_set(setup, "transparent")

    assert label.status == "completed" and label.chosen_image_id == image.id
    assert image.background == "transparent"
    assert image.image_metadata["background_removed_by"] == _display_name(setup, FAL_BIREFNET)
    assert "background_removal_error" not in image.image_metadata
    (sent,) = setup.server.calls("POST", f"/{FAL_BIREFNET}")
    assert sent.json()["image_url"].startswith("data:image/png;base64,")  # the sprite went to the remover
    stored = _stored(setup, image)
    assert _pixels(stored) == _pixels(CUT_OUT)  # the remover's cut-out, through the gate
    assert _pixels(stored)[1][3] == 0  # a transparent corner


async def test_without_an_active_remover_the_sprite_is_kept_plain(setup: Setup) -> None:
    serve_fal_birefnet(setup.server, CUT_OUT)  # served, yet its row stays switched off

    label, image = await _run_set(setup, "transparent")

    assert label.status == "completed"
    assert image.background == "plain" and image.image_metadata["background_asked"] == "transparent"
    assert "background_removed_by" not in image.image_metadata
    assert "background_removal_error" not in image.image_metadata
    assert setup.server.calls("POST", f"/{FAL_BIREFNET}") == []
    assert _pixels(_stored(setup, image)) == _pixels(SPRITE)


async def test_a_refused_removal_keeps_the_plain_sprite_and_says_why(setup: Setup) -> None:
    _activate(setup.studio.ctx, FAL_BIREFNET)
    setup.server.route("POST", f"/{FAL_BIREFNET}", reply(422, {"detail": [{"msg": "image_url: unsupported image"}]}))

    label, image = await _run_set(setup, "transparent")

    assert label.status == "completed" and label.error_message is None
    assert image.background == "plain"
    assert image.image_metadata["background_removal_error"]
    assert "background_removed_by" not in image.image_metadata
    assert len(setup.server.calls("POST", f"/{FAL_BIREFNET}")) == 1  # not retried: a 422 is final
    assert _pixels(_stored(setup, image)) == _pixels(SPRITE)


async def test_a_plain_set_never_calls_the_remover(setup: Setup) -> None:
    _activate(setup.studio.ctx, FAL_BIREFNET)
    serve_fal_birefnet(setup.server, CUT_OUT)

    label, image = await _run_set(setup, "plain")

    assert label.status == "completed"
    assert image.background == "plain" and image.image_metadata["background_asked"] == "plain"
    assert "background_removed_by" not in image.image_metadata
    assert setup.server.calls("POST", f"/{FAL_BIREFNET}") == []
    assert _pixels(_stored(setup, image)) == _pixels(SPRITE)
