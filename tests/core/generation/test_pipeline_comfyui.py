"""The pipeline with ComfyUI switched on by ``COMFYUI_URL``: a portrait from the seeded workflow."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from core.container import Studio
from core.generation.inputs import PortraitRequest
from core.generation.provider_setup import activate_configured_providers
from core.models import ApiModel, CharacterPortrait, Job
from storage.base import USER_LIBRARY
from tests.support.comfyui_peer import CHECKPOINTS, ComfyPeer
from tests.support.factories import make_character, make_user
from tests.support.provider_servers import png_bytes, running_server


@pytest.fixture
async def comfy(studio: Studio) -> AsyncIterator[ComfyPeer]:
    async with running_server() as server:
        peer = ComfyPeer(server, image=png_bytes((40, 160, 90), size=64))
        studio.ctx.settings.comfyui_url = server.url
        assert "comfyui" in activate_configured_providers(studio.ctx.db, studio.ctx.settings)
        yield peer
        await peer.close()


async def test_a_portrait_is_made_by_the_seeded_workflow_and_stored(studio: Studio, comfy: ComfyPeer) -> None:
    user = make_user(studio.ctx.db)
    character = make_character(studio.ctx, user)
    with studio.ctx.db.read() as session:
        model = session.exec(select(ApiModel).where(ApiModel.model_key == "comfyui-text-to-image")).one()
    result = await studio.generation.generate_portrait(
        user, PortraitRequest(character_id=character.id, api_model_id=model.id, seed=99))

    (job,) = comfy.jobs.values()
    assert job.graph["3"]["inputs"]["seed"] == 99
    assert job.graph["4"]["inputs"]["ckpt_name"] == CHECKPOINTS[0]  # the row names none: the server's first
    with studio.ctx.db.read() as session:
        stored_job = session.get(Job, result.job_id)
        portrait = session.get(CharacterPortrait, result.portrait_id)
    assert stored_job is not None and stored_job.status == "completed"
    assert portrait is not None and portrait.generation_metadata["model_key"] == "comfyui-text-to-image"
    assert job.graph["6"]["inputs"]["text"] in (portrait.prompt, portrait.enhanced_prompt)  # the studio's prompt
    assert studio.ctx.storage.get(USER_LIBRARY, result.storage_path or "").startswith(b"\x89PNG")
