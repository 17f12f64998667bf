"""The admin API for providers and models (issue 15.6), through the served app: admin bearer token only
(another user 403, no token 401), in the OpenAPI schema, keys never in a response."""

from __future__ import annotations

import logging

import pytest
from httpx import AsyncClient

from core import auth
from core.container import Studio
from tests.support.provider_servers import reply, running_server
from tests.support.served_app import PASSWORD, ApiUser, api_user

KEY = "sk-live-0123456789abcdef-TAIL"
PROVIDERS = "/api/v1/admin/providers"
MODELS = "/api/v1/admin/models"


def api_admin(studio: Studio, email: str = "boss@example.com") -> ApiUser:
    user = auth.create_user(studio.ctx.db, email, PASSWORD, is_admin=True)
    _, plain = auth.create_token(studio.ctx.db, user, "tests")
    return ApiUser(user, plain)


async def test_providers_crud_never_answers_or_logs_the_key(studio: Studio, client: AsyncClient,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    boss = api_admin(studio)
    made = await client.post(PROVIDERS, headers=boss.headers, json={
        "kind": "openai", "name": "OpenRouter", "base_url": "https://openrouter.ai/api/v1", "api_key": KEY})
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["kind"], body["name"], body["active"]) == ("openai", "OpenRouter", True)
    assert (body["has_credentials"], body["credential_hint"], body["credential_source"]) == (True, "TAIL", "stored")
    assert "api_key" not in body
    listed = await client.get(PROVIDERS, headers=boss.headers)
    patched = await client.patch(f"{PROVIDERS}/{body['id']}", headers=boss.headers,
                                 json={"name": "OpenRouter (work)", "active": False})
    assert patched.status_code == 200 and patched.json()["name"] == "OpenRouter (work)"
    assert patched.json()["active"] is False and patched.json()["has_credentials"] is True
    assert KEY not in made.text + listed.text + patched.text
    assert {p["name"] for p in listed.json()} >= {"OpenRouter", "builtin", "comfyui"}
    refused = await client.post(PROVIDERS, headers=boss.headers, json={"kind": "openai", "name": "openrouter (WORK)"})
    assert refused.status_code == 400 and "already exists" in refused.json()["fields"]["name"]
    bad = await client.post(PROVIDERS, headers=boss.headers, json={"kind": "skynet", "name": "x", "api_key": KEY})
    assert bad.status_code == 400 and KEY not in bad.text
    async with running_server() as server:  # a server that refuses the key and echoes it back
        server.route("GET", "/v1/models", reply(401, {"error": {"message": f"Incorrect API key provided: {KEY}"}}))
        await client.patch(f"{PROVIDERS}/{body['id']}", headers=boss.headers, json={"base_url": f"{server.url}/v1"})
        checked = await client.post(f"{PROVIDERS}/{body['id']}/test", headers=boss.headers)
        assert server.calls("GET", "/v1/models")[0].headers["authorization"] == f"Bearer {KEY}"
    assert checked.status_code == 200 and checked.json()["code"] == "bad_key" and KEY not in checked.text
    assert "Incorrect API key provided: ***" in checked.json()["message"]
    gone = await client.delete(f"{PROVIDERS}/{body['id']}", headers=boss.headers)
    assert gone.status_code == 204
    assert (await client.get(f"{PROVIDERS}/{body['id']}", headers=boss.headers)).status_code == 404
    assert "added provider 'OpenRouter' (openai)" in caplog.text and KEY not in caplog.text


async def test_models_crud_with_json_validated_at_its_field(studio: Studio, client: AsyncClient) -> None:
    boss = api_admin(studio)
    comfy = (await client.post(PROVIDERS, headers=boss.headers, json={
        "kind": "comfyui", "name": "GPU box", "base_url": "http://127.0.0.1:8188"})).json()
    bad = await client.post(MODELS, headers=boss.headers, json={
        "provider_id": comfy["id"], "model_key": "sdxl", "input_defaults": "{not json", "workflow": "[]"})
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"input_defaults", "workflow"}
    made = await client.post(MODELS, headers=boss.headers, json={
        "provider_id": comfy["id"], "model_key": "sdxl", "display_name": "SDXL", "workflow": "image_to_image",
        "input_defaults": {"steps": 20}})
    assert made.status_code == 201, made.text
    model = made.json()
    assert (model["supports_i2i"], model["requires_reference"], model["input_defaults"]) == (True, True, {"steps": 20})
    assert model["workflow"] and "reference_image" in model["placeholders"]
    patched = await client.patch(f"{MODELS}/{model['id']}", headers=boss.headers,
                                 json={"priority": 99, "active": False, "max_resolution": "1024x1024"})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["priority"], patched.json()["active"], patched.json()["max_resolution"]) == \
        (99, False, "1024x1024")
    listed = (await client.get(MODELS, headers=boss.headers, params={"provider_id": comfy["id"]})).json()
    assert [m["id"] for m in listed] == [model["id"]]
    assert (await client.delete(f"{MODELS}/{model['id']}", headers=boss.headers)).status_code == 204


async def test_discover_lists_what_an_openai_server_offers(studio: Studio, client: AsyncClient) -> None:
    boss = api_admin(studio)
    async with running_server() as server:
        server.route("GET", "/v1/models", reply(200, {"data": [{"id": "llama3.1:8b"}, {"id": "qwen2.5:7b"}]}))
        local = (await client.post(PROVIDERS, headers=boss.headers, json={
            "kind": "openai", "name": "Ollama", "base_url": f"{server.url}/v1"})).json()
        await client.post(MODELS, headers=boss.headers, json={"provider_id": local["id"], "model_key": "qwen2.5:7b",
                                                              "modality": "chat"})
        found = await client.post(f"{PROVIDERS}/{local['id']}/discover", headers=boss.headers)
        checked = await client.post(f"{PROVIDERS}/{local['id']}/test", headers=boss.headers)
    assert found.status_code == 200, found.text
    assert found.json() == [{"model_key": "llama3.1:8b", "added": False}, {"model_key": "qwen2.5:7b", "added": True}]
    assert checked.json() == {"ok": True, "message": "Connected: the server lists 2 models.", "code": "ok",
                              "details": {"models": 2}}


@pytest.mark.parametrize("who", ["nobody", "user"])
async def test_every_admin_route_is_401_without_a_token_and_403_for_a_non_admin(
        studio: Studio, client: AsyncClient, who: str) -> None:
    boss = api_admin(studio)
    provider_id = (await client.get(PROVIDERS, headers=boss.headers)).json()[0]["id"]
    model_id = (await client.get(MODELS, headers=boss.headers)).json()[0]["id"]
    headers = {} if who == "nobody" else api_user(studio, "someone@example.com").headers
    expected = 401 if who == "nobody" else 403
    calls = [("GET", PROVIDERS, None), ("POST", PROVIDERS, {"kind": "openai", "name": "x"}),
             ("GET", f"{PROVIDERS}/{provider_id}", None), ("PATCH", f"{PROVIDERS}/{provider_id}", {"active": True}),
             ("DELETE", f"{PROVIDERS}/{provider_id}", None), ("POST", f"{PROVIDERS}/{provider_id}/test", None),
             ("POST", f"{PROVIDERS}/{provider_id}/discover", None),
             ("GET", MODELS, None), ("POST", MODELS, {"provider_id": provider_id, "model_key": "x"}),
             ("GET", f"{MODELS}/{model_id}", None), ("PATCH", f"{MODELS}/{model_id}", {"active": False}),
             ("DELETE", f"{MODELS}/{model_id}", None), ("PUT", f"{MODELS}/order", {"order": [model_id]})]
    for method, url, body in calls:
        response = await client.request(method, url, headers=headers, json=body)
        assert response.status_code == expected, (method, url, response.text)
    assert len((await client.get(PROVIDERS, headers=boss.headers)).json()) == 6  # nothing changed


async def test_the_admin_routes_are_in_the_openapi_schema(studio: Studio, client: AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    one = f"{PROVIDERS}/{{provider_id}}"
    assert {"get", "post"} <= set(paths[PROVIDERS]) and {"patch", "delete"} <= set(paths[one])
    assert "post" in paths[f"{one}/test"] and "post" in paths[f"{one}/discover"]
    assert {"get", "post"} <= set(paths[MODELS]) and {"patch", "delete"} <= set(paths[f"{MODELS}/{{model_id}}"])
