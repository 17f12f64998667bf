"""Issue 15's judged flow, through the served app: a fresh instance with no provider variables; an admin
adds a ComfyUI provider (a loopback ComfyUI peer) and models with workflows through the API; portraits
are made with and without a reference, with ComfyUI's progress, into the gallery; and no plaintext key is
anywhere in the database file."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from httpx import AsyncClient
from nicegui.testing import User
from PIL import Image

from core.events import Event, EventType
from core.generation.providers.comfy_workflow import example_workflow
from tests.api.test_admin_providers_api import api_admin
from tests.support.comfyui_peer import CHECKPOINTS, ComfyPeer
from tests.support.factories import DESCRIPTION
from tests.support.provider_servers import png_bytes, running_server
from tests.support.served_app import api_user, running_studio

PROVIDER_VARIABLES = ("FAL_KEY", "REPLICATE_API_TOKEN", "OPENAI_API_KEY", "OPENAI_BASE_URL", "A1111_URL",
                      "COMFYUI_URL", "STUDIO_FAL_KEY", "STUDIO_REPLICATE_API_TOKEN", "STUDIO_OPENAI_API_KEY",
                      "STUDIO_OPENAI_BASE_URL", "STUDIO_A1111_URL", "STUDIO_COMFYUI_URL")
SECRET_KEY = "sk-proj-PLAINTEXT-must-never-be-stored-9f8e7d"


@pytest.fixture
def no_provider_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROVIDER_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def comfy() -> AsyncIterator[ComfyPeer]:
    async with running_server() as server:
        peer = ComfyPeer(server, image=png_bytes((40, 160, 90), size=64))
        yield peer
        await peer.close()


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 80), (200, 120, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.mark.usefixtures("no_provider_variables")
async def test_an_admin_sets_up_comfyui_through_the_api_and_portraits_are_made(
        user: User, client: AsyncClient, comfy: ComfyPeer, served_env: Path) -> None:
    studio = running_studio()
    boss = api_admin(studio)
    active = [p for p in (await client.get("/api/v1/admin/providers", headers=boss.headers)).json() if p["active"]]
    assert [p["kind"] for p in active] == ["builtin"]  # a fresh instance: only the offline renderer

    made = await client.post("/api/v1/admin/providers", headers=boss.headers,
                             json={"kind": "comfyui", "name": "Studio GPU", "base_url": comfy.url, "active": True})
    assert made.status_code == 201, made.text
    provider = made.json()
    checked = (await client.post(f"/api/v1/admin/providers/{provider['id']}/test", headers=boss.headers)).json()
    assert checked["ok"] and checked["message"] == "Connected to ComfyUI 0.3.40."
    found = (await client.post(f"/api/v1/admin/providers/{provider['id']}/discover", headers=boss.headers)).json()
    assert [m["model_key"] for m in found] == CHECKPOINTS
    t2i = await client.post("/api/v1/admin/models", headers=boss.headers, json={
        "provider_id": provider["id"], "model_key": "sdxl-portrait", "display_name": "SDXL portrait",
        "workflow": example_workflow("text_to_image"), "input_defaults": {"steps": 4, "model": CHECKPOINTS[1]}})
    i2i = await client.post("/api/v1/admin/models", headers=boss.headers, json={
        "provider_id": provider["id"], "model_key": "sdxl-from-reference", "workflow_example": "image_to_image",
        "input_defaults": {"steps": 4, "denoise": 0.55}})
    assert t2i.status_code == 201 and i2i.status_code == 201, t2i.text + i2i.text
    assert i2i.json()["supports_i2i"] and not t2i.json()["supports_i2i"]

    owner = api_user(studio, "painter@example.com")
    character = (await client.post("/api/v1/characters", headers=owner.headers,
                                   json={"name": "Mira", "description": DESCRIPTION})).json()
    progress: list[dict] = []
    studio.ctx.events.subscribe(character["id"], lambda e: progress.append(e.data)
                                if isinstance(e, Event) and e.type == EventType.JOB_PROGRESS else None)

    plain = await client.post("/functions/v1/character-portrait", headers=owner.headers,
                              json={"characterId": character["id"], "seed": 7})
    assert plain.status_code == 200, plain.text
    (first_job,) = comfy.jobs.values()
    assert first_job.graph["4"]["inputs"]["ckpt_name"] == CHECKPOINTS[1] and first_job.graph["3"]["inputs"]["seed"] == 7
    assert any(p.get("message", "").startswith("Step ") and p["percent"] > 0 for p in progress)

    reference = await client.post(f"/api/v1/characters/{character['id']}/reference-image", headers=owner.headers,
                                  files={"file": ("face.jpg", jpeg(), "image/jpeg")})
    assert reference.status_code == 200, reference.text
    matched = await client.post("/functions/v1/character-portrait", headers=owner.headers, json={
        "characterId": character["id"], "referenceImageUrl": reference.json()["reference_image_url"]})
    assert matched.status_code == 200, matched.text
    assert len(comfy.uploads) == 1 and len(comfy.jobs) == 2  # the reference went up first

    gallery = (await client.get(f"/api/v1/characters/{character['id']}/portraits", headers=owner.headers)).json()
    by_id = {p["id"]: p for p in gallery}
    assert by_id[plain.json()["portraitId"]]["generation_metadata"]["model_key"] == "sdxl-portrait"
    assert by_id[matched.json()["portraitId"]]["generation_metadata"]["model_key"] == "sdxl-from-reference"
    assert by_id[matched.json()["portraitId"]]["generation_metadata"]["generation_mode"] != "txt2img"
    for body in (plain.json(), matched.json()):
        stored = studio.ctx.storage.get("user-library", body["storagePath"])
        assert Image.open(io.BytesIO(stored)).getpixel((5, 5))[:3] == (40, 160, 90)  # the peer's image

    keyed = await client.post("/api/v1/admin/providers", headers=boss.headers, json={
        "kind": "openai", "name": "OpenAI", "base_url": "https://api.openai.com/v1", "api_key": SECRET_KEY})
    assert keyed.status_code == 201 and SECRET_KEY not in keyed.text
    await asyncio.to_thread(studio.ctx.db.dispose)  # every connection closed: the WAL is checkpointed
    database = Path(studio.ctx.db.url.removeprefix("sqlite:///"))
    files = [p for p in database.parent.glob(database.name + "*") if p.is_file()]
    assert database in files
    for path in files:
        data = path.read_bytes()
        assert SECRET_KEY.encode() not in data and SECRET_KEY[-12:].encode() not in data, path
