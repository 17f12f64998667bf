"""The HTTP API of the app main.py serves: the seed's portrait contract, REST routes, status codes, ownership."""

from __future__ import annotations

import asyncio

import pytest
from httpx import AsyncClient
from sqlmodel import select

from core.container import Studio
from core.events import Event, EventType
from core.generation import jobs
from core.models import ApiModel
from tests.support.factories import DESCRIPTION
from tests.support.served_app import api_user

PORTRAIT = "/functions/v1/character-portrait"


async def _create(client, who, **fields) -> dict:  # type: ignore[no-untyped-def]
    response = await client.post("/api/v1/characters", headers=who.headers,
                                 json={"name": "Mira", "description": DESCRIPTION, **fields})
    assert response.status_code == 201, response.text
    return response.json()


async def test_token_exchange_and_me(studio: Studio, client: AsyncClient) -> None:
    owner = api_user(studio, "owner@example.com")
    issued = await client.post("/api/v1/auth/token", json={"email": "owner@example.com",
                                                          "password": "correct horse battery"})
    assert issued.status_code == 201
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued.json()['token']}"})
    assert me.json()["email"] == "owner@example.com" and me.json()["id"] == owner.user.id
    wrong = await client.post("/api/v1/auth/token", json={"email": "owner@example.com", "password": "nope"})
    assert wrong.status_code == 401 and wrong.json() == {"success": False, "error": "Invalid email or password",
                                                        "code": "unauthorized"}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer cs_bogus"}, {"Authorization": "Basic abc"}])
async def test_portrait_function_401_without_a_valid_token(studio: Studio, client: AsyncClient, headers: dict) -> None:
    response = await client.post(PORTRAIT, headers=headers, json={"characterData": {"name": "A"}})
    assert response.status_code == 401
    assert response.json()["success"] is False and response.json()["code"] == "unauthorized"


async def test_portrait_function_generates_a_stored_primary_portrait_and_publishes(studio: Studio,
                                                                                   client: AsyncClient) -> None:
    owner = api_user(studio, "owner@example.com")
    character = await _create(client, owner, appearance_tags=["silver hair"])
    inserted: asyncio.Future[Event] = asyncio.get_running_loop().create_future()

    def on_event(event: Event) -> None:
        if event.type == EventType.PORTRAIT_INSERTED and not inserted.done():
            inserted.set_result(event)

    studio.ctx.events.subscribe(character["id"], on_event)
    response = await client.post(PORTRAIT, headers=owner.headers,
                                 json={"characterId": character["id"], "presets": {"pose": "standing"},
                                       "promptOverride": "in a library"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"success", "imageUrl", "jobId", "portraitId", "generationTimeMs", "storagePath"}
    assert body["success"] is True
    assert body["storagePath"] == f"{owner.user.id}/portraits/{character['id']}/{body['jobId']}.png"
    listed = (await client.get(f"/api/v1/characters/{character['id']}/portraits", headers=owner.headers)).json()
    assert [p["id"] for p in listed] == [body["portraitId"]] and listed[0]["is_primary"]
    meta = listed[0]["generation_metadata"]
    assert meta["job_id"] == body["jobId"] and meta["generation_mode"] == "txt2img"
    assert meta["presets"] == {"pose": "standing"} and meta["model_key"] == "builtin/preview"
    assert (await client.get(f"/api/v1/characters/{character['id']}", headers=owner.headers)
            ).json()["image_url"] == body["imageUrl"]
    job = (await client.get(f"/api/v1/jobs/{body['jobId']}", headers=owner.headers)).json()
    assert job["status"] == "completed"
    assert (await asyncio.wait_for(inserted, 1)).data["id"] == body["portraitId"]
    stored = studio.ctx.storage.get("user-library", body["storagePath"])
    assert stored.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(("payload", "message"), [
    ({}, "Missing characterId or characterData"),
    ({"characterData": {"name": "A"}, "promptOverride": "x" * 201}, "at most 200 characters"),
    ({"characterData": {"name": "A"}, "apiModelId": "no-such-model"}, "Model not found or inactive"),
    ({"characterData": {"name": "A"}, "presets": {"lighting": "x"}}, "lighting"),
    ({"characterData": {"gender": "female"}}, "name"),
])
async def test_portrait_function_400s(studio: Studio, client: AsyncClient, payload: dict, message: str) -> None:
    owner = api_user(studio, "owner@example.com")
    response = await client.post(PORTRAIT, headers=owner.headers, json=payload)
    assert response.status_code == 400, response.text
    assert response.json()["success"] is False and message in response.json()["error"]


async def test_portrait_function_404_for_a_missing_or_foreign_character(studio: Studio, client: AsyncClient) -> None:
    owner, other = api_user(studio, "owner@example.com"), api_user(studio, "other@example.com")
    private = await _create(client, owner)
    public = await _create(client, owner, is_public=True)
    for cid in ("no-such-id", private["id"], public["id"]):
        response = await client.post(PORTRAIT, headers=other.headers, json={"characterId": cid})
        assert response.status_code == 404 and response.json()["error"] == "Character not found"


async def test_portrait_function_503_when_no_model_is_active(studio: Studio, client: AsyncClient) -> None:
    owner = api_user(studio, "owner@example.com")
    with studio.ctx.db.write() as session:
        for model in session.exec(select(ApiModel)).all():
            model.is_active = False
    t2i = await client.post(PORTRAIT, headers=owner.headers, json={"characterData": {"name": "A"}})
    assert t2i.status_code == 503 and t2i.json()["error"] == "No image models available"


async def test_inline_character_data_generates_without_a_portrait_row(studio: Studio, client: AsyncClient) -> None:
    owner = api_user(studio, "owner@example.com")
    response = await client.post(PORTRAIT, headers=owner.headers, json={
        "characterData": {"name": "Unsaved", "gender": "male", "appearance_tags": ["beard"],
                          "description": "d"}, "contentRating": "sfw"})
    body = response.json()
    assert response.status_code == 200 and body["portraitId"] is None
    assert body["storagePath"] == f"{owner.user.id}/portraits/temp/{body['jobId']}.png"
    assert jobs.get_job(studio.ctx.db, owner.user, body["jobId"]).status == "completed"


async def test_patch_with_a_stale_version_is_409_with_the_current_row(studio: Studio, client: AsyncClient) -> None:
    owner = api_user(studio, "owner@example.com")
    character = await _create(client, owner)
    url = f"/api/v1/characters/{character['id']}"
    ok = await client.patch(url, headers=owner.headers, json={"version": 1, "name": "Mira B"})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = await client.patch(url, headers=owner.headers, json={"version": 1, "name": "Lost"})
    assert stale.status_code == 409
    assert stale.json()["current"]["name"] == "Mira B" and stale.json()["current"]["version"] == 2
    bad = await client.patch(url, headers=owner.headers, json={"version": 2, "gender": "robot"})
    assert bad.status_code == 400 and bad.json()["success"] is False


async def test_portrait_routes_primary_order_delete(studio: Studio, client: AsyncClient) -> None:
    owner = api_user(studio, "owner@example.com")
    character = await _create(client, owner)
    ids = []
    for seed in (1, 2):
        r = await client.post(PORTRAIT, headers=owner.headers, json={"characterId": character["id"], "seed": seed})
        ids.append(r.json()["portraitId"])
    base = f"/api/v1/characters/{character['id']}/portraits"
    assert (await client.post(f"{base}/{ids[1]}/primary", headers=owner.headers)).json()["is_primary"]
    assert (await client.put(f"{base}/order", headers=owner.headers, json={"order": ids[::-1]})).status_code == 204
    assert [p["id"] for p in (await client.get(base, headers=owner.headers)).json()] == ids[::-1]
    assert (await client.put(f"{base}/order", headers=owner.headers, json={"order": ids})).status_code == 204
    assert [p["id"] for p in (await client.get(base, headers=owner.headers)).json()] == ids
    assert (await client.delete(f"{base}/{ids[1]}", headers=owner.headers)).status_code == 204
    remaining = (await client.get(base, headers=owner.headers)).json()
    assert [p["id"] for p in remaining] == [ids[0]] and remaining[0]["is_primary"]


async def test_scene_routes(studio: Studio, client: AsyncClient) -> None:
    owner = api_user(studio, "owner@example.com")
    character = await _create(client, owner)
    base = f"/api/v1/characters/{character['id']}/scenes"
    made = await client.post(base, headers=owner.headers, json={"scene_name": "Harbor", "priority": 2})
    assert made.status_code == 201
    sid = made.json()["id"]
    patched = await client.patch(f"{base}/{sid}", headers=owner.headers, json={"scene_description": "Fog"})
    assert patched.json()["scene_description"] == "Fog"
    assert (await client.post(base, headers=owner.headers, json={"scene_name": ""})).status_code == 400
    assert (await client.delete(f"{base}/{sid}", headers=owner.headers)).status_code == 204
    assert (await client.get(base, headers=owner.headers)).json() == []


async def test_templates_models_and_health(studio: Studio, client: AsyncClient) -> None:
    owner = api_user(studio, "owner@example.com")
    templates = (await client.get("/api/v1/templates", headers=owner.headers)).json()
    assert len(templates) >= 8
    models = (await client.get("/api/v1/models?modality=image", headers=owner.headers)).json()
    assert [m["model_key"] for m in models] == ["builtin/preview"] and models[0]["supports_i2i"]
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    schema = (await client.get("/openapi.json")).json()
    assert {"/functions/v1/character-portrait", "/api/v1/characters/{character_id}",
            "/api/v1/jobs/{job_id}/cancel"} <= set(schema["paths"])


async def test_second_user_gets_404_on_every_character_route(studio: Studio, client: AsyncClient) -> None:
    owner, other = api_user(studio, "owner@example.com"), api_user(studio, "other@example.com")
    character = await _create(client, owner)
    portrait = (await client.post(PORTRAIT, headers=owner.headers, json={"characterId": character["id"]})).json()
    scene = (await client.post(f"/api/v1/characters/{character['id']}/scenes", headers=owner.headers,
                               json={"scene_name": "S"})).json()
    base = f"/api/v1/characters/{character['id']}"
    calls = [("GET", base, None), ("PATCH", base, {"version": 1, "name": "X"}), ("DELETE", base, None),
             ("GET", f"{base}/portraits", None),
             ("POST", f"{base}/portraits/{portrait['portraitId']}/primary", None),
             ("DELETE", f"{base}/portraits/{portrait['portraitId']}", None),
             ("PUT", f"{base}/portraits/order", {"order": [portrait["portraitId"]]}),
             ("GET", f"{base}/scenes", None), ("POST", f"{base}/scenes", {"scene_name": "X"}),
             ("PATCH", f"{base}/scenes/{scene['id']}", {"scene_name": "X"}),
             ("DELETE", f"{base}/scenes/{scene['id']}", None),
             ("GET", f"/api/v1/jobs/{portrait['jobId']}", None),
             ("POST", f"/api/v1/jobs/{portrait['jobId']}/cancel", None)]
    for method, url, body in calls:
        response = await client.request(method, url, headers=other.headers, json=body)
        assert response.status_code == 404, (method, url, response.text)
    assert (await client.get(base, headers=owner.headers)).json()["name"] == "Mira"


async def test_reference_image_upload_goes_through_the_gate(studio: Studio, client: AsyncClient) -> None:
    import io

    from PIL import Image

    owner, other = api_user(studio, "owner@example.com"), api_user(studio, "other@example.com")
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(buffer, format="JPEG")
    character = await _create(client, owner)
    url = f"/api/v1/characters/{character['id']}/reference-image"
    ok = await client.post(url, headers=owner.headers, files={"file": ("me.jpg", buffer.getvalue(), "image/jpeg")})
    assert ok.status_code == 200, ok.text
    assert ok.json()["reference_image_url"]
    bad = await client.post(url, headers=owner.headers,
                            files={"file": ("x.png", b"<svg onload=alert(1)></svg>", "image/png")})
    assert bad.status_code == 400 and bad.json()["success"] is False
    foreign = await client.post(url, headers=other.headers, files={"file": ("me.jpg", buffer.getvalue())})
    assert foreign.status_code == 404
    after = (await client.get(f"/api/v1/characters/{character['id']}", headers=owner.headers)).json()
    assert after["reference_image_url"] == ok.json()["reference_image_url"]


async def test_suggest_route_returns_offline_values(studio: Studio, client: AsyncClient) -> None:
    owner, other = api_user(studio, "owner@example.com"), api_user(studio, "other@example.com")
    character = await _create(client, owner, appearance_tags=["red hair"])
    url = f"/api/v1/characters/{character['id']}/suggest"
    response = await client.post(url, headers=owner.headers, json={"field": "appearance"})
    assert response.status_code == 200, response.text
    assert response.json()["source"] == "offline" and "appearance_tags" in response.json()["values"]
    assert (await client.post(url, headers=owner.headers, json={"field": "shoe_size"})).status_code == 400
    assert (await client.post(url, headers=other.headers, json={"field": "persona"})).status_code == 404
