"""Expression sets over HTTP, on the app main.py serves and its built-in renderer: start (202), the list
filling as the images arrive, the SillyTavern ZIP, regenerate, choose, delete, upload, the 400s, and a
second user's 404 on every route."""

from __future__ import annotations

import asyncio
import io
import json
import os
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from httpx import AsyncClient, Response
from PIL import Image

from core.container import Studio
from core.events import Event
from core.expressions.labels import SILLYTAVERN
from tests.support.factories import DESCRIPTION
from tests.support.served_app import ApiUser, api_user
from tests.support.waiting import eventually

WAIT_S = 90  # a whole 28-label set on the built-in renderer, on a slow CI machine


def _base(character_id: str) -> str:
    return f"/api/v1/characters/{character_id}/expressions"


def _png(colour: tuple[int, int, int, int], size: int = 48) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (size, size), colour).save(buffer, format="PNG")
    return buffer.getvalue()


async def _character(client: AsyncClient, who: ApiUser, *, face: bool = True, **fields: Any) -> str:
    """A character of ``who``; with ``face``, its primary portrait made through the portrait function."""
    response = await client.post("/api/v1/characters", headers=who.headers, json={
        "name": "Aria", "description": DESCRIPTION, "appearance_tags": ["red hair", "green eyes"], **fields})
    assert response.status_code == 201, response.text
    character_id: str = response.json()["id"]
    if face:
        portrait = await client.post("/functions/v1/character-portrait", headers=who.headers,
                                     json={"characterId": character_id})
        assert portrait.status_code == 200, portrait.text
    return character_id


class SetWatch:
    """The latest answer of ``GET .../expressions``, asked again after every event on the character
    (a label's state, a job's progress), so a test awaits the list itself rather than the events."""

    def __init__(self) -> None:
        self.latest: list[dict[str, Any]] = []
        self.task: asyncio.Task[None] | None = None

    def count(self, status: str = "completed") -> int:
        if self.task is not None and self.task.done() and self.task.exception():
            raise self.task.exception()  # type: ignore[misc]
        return sum(1 for item in self.latest if item["status"] == status)

    def label(self, name: str) -> dict[str, Any]:
        return next(item for item in self.latest if item["label"] == name)


@asynccontextmanager
async def watching(studio: Studio, client: AsyncClient, who: ApiUser, character_id: str) -> AsyncIterator[SetWatch]:
    watch, changed = SetWatch(), asyncio.Event()

    def on_event(_event: Event) -> None:
        changed.set()

    async def poll() -> None:
        while True:
            changed.clear()
            response = await client.get(_base(character_id), headers=who.headers)
            assert response.status_code == 200, response.text
            watch.latest = response.json()
            await changed.wait()

    subscription = studio.ctx.events.subscribe(character_id, on_event)
    watch.task = asyncio.create_task(poll())
    try:
        yield watch
    finally:
        subscription.close()
        watch.task.cancel()
        await asyncio.gather(watch.task, return_exceptions=True)


async def _start(client: AsyncClient, who: ApiUser, character_id: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(_base(character_id), headers=who.headers, json=body)
    assert response.status_code == 202, response.text
    return response.json()


async def _zip_names(client: AsyncClient, who: ApiUser, character_id: str) -> list[str]:
    response = await client.get(f"{_base(character_id)}/export?format=sillytavern", headers=who.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content)).namelist()


async def test_a_full_sillytavern_set_made_through_the_api_and_its_zip(studio: Studio, client: AsyncClient) -> None:
    owner = api_user(studio, "owner@example.com")
    character_id = await _character(client, owner)
    async with watching(studio, client, owner, character_id) as watch:
        started = await _start(client, owner, character_id, {"preset": "sillytavern"})
        assert started["labels"] == list(SILLYTAVERN) and started["jobId"]
        await eventually(lambda: watch.count() == 28, within=WAIT_S, what="28 completed labels")
    listed = watch.latest
    assert [item["label"] for item in listed] == list(SILLYTAVERN)
    assert all(item["image_url"] and item["image_id"] and item["error"] is None for item in listed)
    assert all(item["origin"] == "generated" and item["background"] in ("transparent", "plain") for item in listed)
    job = (await client.get(f"/api/v1/jobs/{started['jobId']}", headers=owner.headers)).json()
    assert job["status"] == "completed" and job["job_type"] == "expression_set"
    source = (await client.get(f"{_base(character_id)}/source", headers=owner.headers)).json()
    assert source["source_kind"] == "primary" and source["background"] == "transparent"
    assert source["labels"] == list(SILLYTAVERN)
    response = await client.get(f"{_base(character_id)}/export?format=sillytavern", headers=owner.headers)
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"Aria-sprites.zip\"; filename*=UTF-8''Aria-sprites.zip")
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(names) == sorted(f"{label}.png" for label in SILLYTAVERN) and len(names) == 28
    await _the_charx_carries_the_set_and_brings_it_back(client, owner, character_id, _members(response.content))


async def _the_charx_carries_the_set_and_brings_it_back(client: AsyncClient, owner: ApiUser, character_id: str,
                                                        sprites: dict[str, bytes]) -> None:
    """The card's 28 emotion assets resolve (as a V3 reader resolves ``embeded://``) to the ZIP's sprites,
    and importing the CHARX gives a character whose ZIP is the same, byte for byte."""
    charx = await client.get(f"/api/v1/characters/{character_id}/export?format=charx", headers=owner.headers)
    assert charx.status_code == 200, charx.text
    members = _members(charx.content)
    card = json.loads(members["card.json"])
    emotions = [asset for asset in card["data"]["assets"] if asset["type"] == "emotion"]
    assert [asset["name"] for asset in emotions] == list(SILLYTAVERN)
    assert all(asset["ext"] == "png" for asset in emotions)
    assert {a["name"]: members[a["uri"].removeprefix("embeded://")] for a in emotions} == {
        name.removesuffix(".png"): data for name, data in sprites.items()}

    imported = await client.post("/api/v1/characters/import", headers=owner.headers,
                                 files={"file": ("Aria.charx", charx.content, "application/zip")})
    assert imported.status_code == 201, imported.text
    assert imported.json()["expression_labels"] == list(SILLYTAVERN)
    copy_id = imported.json()["id"]
    listed = (await client.get(_base(copy_id), headers=owner.headers)).json()
    assert [item["label"] for item in listed] == list(SILLYTAVERN)
    assert {item["status"] for item in listed} == {"completed"}
    again = await client.get(f"{_base(copy_id)}/export?format=sillytavern", headers=owner.headers)
    assert _members(again.content) == sprites


def _members(zipped: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


async def test_regenerate_choose_and_delete(studio: Studio, client: AsyncClient) -> None:
    owner = api_user(studio, "owner@example.com")
    character_id = await _character(client, owner)
    base = _base(character_id)
    async with watching(studio, client, owner, character_id) as watch:
        await _start(client, owner, character_id, {"labels": ["joy", "grief"], "background": "plain"})
        await eventually(lambda: watch.count() == 2, within=WAIT_S, what="joy and grief completed")
        first = watch.label("joy")["image_id"]
        again = await client.post(f"{base}/joy/regenerate", headers=owner.headers)
        assert again.status_code == 202 and again.json()["labels"] == ["joy"], again.text
        await eventually(lambda: watch.label("joy")["image_id"] != first and watch.count() == 2,
                         within=WAIT_S, what="a new chosen image for joy")
    joy = watch.label("joy")
    assert [image["id"] for image in joy["alternatives"]] == [first]
    assert joy["alternatives"][0]["origin"] == "generated" and joy["alternatives"][0]["image_url"]
    chosen = await client.put(f"{base}/joy/chosen", headers=owner.headers, json={"imageId": first})
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["image_id"] == first and [i["id"] for i in chosen.json()["alternatives"]] == [
        joy["image_id"]]
    assert sorted(await _zip_names(client, owner, character_id)) == ["grief.png", "joy-1.png", "joy.png"]
    unknown = await client.put(f"{base}/joy/chosen", headers=owner.headers, json={"imageId": "nope"})
    assert unknown.status_code == 404
    dropped = await client.delete(f"{base}/joy/images/{joy['image_id']}", headers=owner.headers)
    assert dropped.status_code == 204
    gone = await client.delete(f"{base}/grief", headers=owner.headers)
    assert gone.status_code == 204
    listed = (await client.get(base, headers=owner.headers)).json()
    assert [(item["label"], item["image_id"], item["alternatives"]) for item in listed] == [("joy", first, [])]
    assert await _zip_names(client, owner, character_id) == ["joy.png"]
    assert (await client.delete(f"{base}/grief", headers=owner.headers)).status_code == 404


async def test_upload_an_image_for_a_label(studio: Studio, client: AsyncClient) -> None:
    owner = api_user(studio, "owner@example.com")
    character_id = await _character(client, owner, face=False)
    url = f"{_base(character_id)}/smug/image"
    created = await client.post(url, headers=owner.headers, files={"file": ("smug.png", _png((9, 200, 30, 0)))})
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["label"], body["status"], body["origin"], body["background"]) == (
        "smug", "completed", "upload", "transparent")
    assert body["image_url"] and body["alternatives"] == []
    before = (await client.get(_base(character_id), headers=owner.headers)).json()
    refused = [
        await client.post(url, headers=owner.headers, files={"file": ("x.png", b"<svg onload=alert(1)></svg>")}),
        await client.post(f"{_base(character_id)}/Smug/image", headers=owner.headers,
                          files={"file": ("s.png", _png((1, 2, 3, 255)))}),
    ]
    assert [r.status_code for r in refused] == [400, 400], [r.text for r in refused]
    assert "lowercase" in refused[1].json()["error"]
    assert (await client.get(_base(character_id), headers=owner.headers)).json() == before
    assert await _zip_names(client, owner, character_id) == ["smug.png"]


async def test_an_upload_takes_the_upload_limit_not_the_json_one(studio: Studio, client: AsyncClient) -> None:
    """A phone photo is bigger than the 2 MB JSON limit: the label's image route has the upload limit."""
    owner = api_user(studio, "owner@example.com")
    character_id = await _character(client, owner, face=False)
    noise = Image.frombytes("RGB", (1100, 1100), os.urandom(1100 * 1100 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, format="PNG", compress_level=0)
    assert 3_000_000 < len(buffer.getvalue()) < studio.ctx.settings.max_upload_bytes
    created = await client.post(f"{_base(character_id)}/calm/image", headers=owner.headers,
                                files={"file": ("calm.png", buffer.getvalue())})
    assert created.status_code == 201, created.text


BAD_BODIES: list[tuple[dict[str, Any], str]] = [
    ({"labels": ["Joy"]}, "lowercase"),
    ({"labels": ["joy", "joy"]}, "twice"),
    ({"labels": ["joy-1"]}, "alternative"),
    ({"labels": []}, "at least one label"),
    ({"preset": "essential", "labels": ["joy"]}, "not both"),
    ({}, "Give a preset"),
    ({"preset": "everything"}, "preset"),
    ({"labels": ["joy"], "background": "green"}, "background"),
    ({"labels": ["joy"], "apiModelId": "no-such-model"}, "Model not found"),
]


async def test_bad_input_is_400_and_changes_nothing(studio: Studio, client: AsyncClient) -> None:
    owner = api_user(studio, "owner@example.com")
    character_id = await _character(client, owner)  # one face for every body: a portrait takes a while
    for body, message in BAD_BODIES:
        response = await client.post(_base(character_id), headers=owner.headers, json=body)
        assert response.status_code == 400, (body, response.text)
        assert message in response.json()["error"] and response.json()["success"] is False, body
    assert (await client.get(_base(character_id), headers=owner.headers)).json() == []


async def test_a_character_without_a_face_and_the_export_refusals(studio: Studio, client: AsyncClient) -> None:
    owner = api_user(studio, "owner@example.com")
    character_id = await _character(client, owner, face=False)
    response = await client.post(_base(character_id), headers=owner.headers, json={"preset": "essential"})
    assert response.status_code == 400
    assert "neither a primary portrait nor a reference image" in response.json()["error"]
    assert (await client.get(_base(character_id), headers=owner.headers)).json() == []
    assert (await client.get(f"{_base(character_id)}/source", headers=owner.headers)).status_code == 404
    empty = await client.get(f"{_base(character_id)}/export?format=sillytavern", headers=owner.headers)
    assert empty.status_code == 404
    other = await client.get(f"{_base(character_id)}/export?format=charx", headers=owner.headers)
    assert other.status_code == 400 and other.json()["code"] == "invalid_request"
    missing = await client.post(_base("no-such-character"), headers=owner.headers, json={"preset": "essential"})
    assert missing.status_code == 404


async def test_a_second_user_gets_404_on_every_route(studio: Studio, client: AsyncClient) -> None:
    owner, other = api_user(studio, "owner@example.com"), api_user(studio, "other@example.com")
    character_id = await _character(client, owner, is_public=True)
    base = _base(character_id)
    uploaded = (await client.post(f"{base}/joy/image", headers=owner.headers,
                                  files={"file": ("joy.png", _png((200, 10, 10, 255)))})).json()
    image_id = uploaded["image_id"]
    before = (await client.get(base, headers=owner.headers)).json()
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", base, {"json": {"preset": "essential"}}), ("GET", base, {}), ("GET", f"{base}/source", {}),
        ("GET", f"{base}/export?format=sillytavern", {}), ("POST", f"{base}/joy/regenerate", {}),
        ("DELETE", f"{base}/joy", {}), ("PUT", f"{base}/joy/chosen", {"json": {"imageId": image_id}}),
        ("POST", f"{base}/joy/image", {"files": {"file": ("j.png", _png((1, 1, 1, 255)))}}),
        ("POST", f"{base}/calm/image", {"files": {"file": ("c.png", _png((1, 1, 1, 255)))}}),
        ("DELETE", f"{base}/joy/images/{image_id}", {}),
    ]
    answers: list[Response] = [await client.request(method, url, headers=other.headers, **kwargs)
                               for method, url, kwargs in calls]
    assert [a.status_code for a in answers] == [404] * len(calls), [
        (call[:2], answer.text) for call, answer in zip(calls, answers, strict=True)]
    assert (await client.get(base, headers=owner.headers)).json() == before
    assert (await client.get(f"/api/v1/characters/{character_id}", headers=other.headers)).status_code == 200


async def test_the_openapi_schema_lists_the_expression_routes(studio: Studio, client: AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    base = "/api/v1/characters/{character_id}/expressions"
    expected = {base: {"get", "post"}, f"{base}/source": {"get"}, f"{base}/export": {"get"},
                f"{base}/{{label}}": {"delete"}, f"{base}/{{label}}/regenerate": {"post"},
                f"{base}/{{label}}/chosen": {"put"}, f"{base}/{{label}}/image": {"post"},
                f"{base}/{{label}}/images/{{image_id}}": {"delete"}}
    assert {path: set(paths[path]) for path in expected} == expected
    assert set(paths[base]["post"]["requestBody"]["content"]["application/json"]["schema"].values()) == {
        "#/components/schemas/ExpressionSetIn"}
    assert "202" in paths[base]["post"]["responses"] and "application/zip" in (
        paths[f"{base}/export"]["get"]["responses"]["200"]["content"])
