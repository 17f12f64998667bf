"""The card routes of the app main.py serves: import (multipart ``file``), export, codes, ownership, headers."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
from httpx import AsyncClient

from core.cards.export import export_card
from core.container import Studio
from tests.support.cards import (
    LOREBOOK_V2,
    card_texts,
    charx_bytes,
    counts,
    make_full_character,
    picture,
    pixels,
    png_of,
    v1_card,
    v2_png,
)
from tests.support.factories import DESCRIPTION
from tests.support.served_app import api_user

IMPORT = "/api/v1/characters/import"
HOLD_ALL = 1 << 30  # an export held in memory, however large


@pytest.fixture
def streamed_exports(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app streams every export's images (``STUDIO_EXPORT_HOLD_BYTES=1``); request it before ``user``."""
    monkeypatch.setenv("STUDIO_EXPORT_HOLD_BYTES", "1")


def _export(character_id: str, fmt: str | None = None) -> str:
    return f"/api/v1/characters/{character_id}/export" + (f"?format={fmt}" if fmt else "")


async def test_import_a_png_card_and_see_the_character(studio: Studio, client: AsyncClient) -> None:
    owner = api_user(studio, "owner@example.com")
    raw, card = v2_png()
    response = await client.post(IMPORT, headers=owner.headers,
                                 files={"file": ("Harbour Keeper.png", raw, "image/png")})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == card["data"]["name"] and body["user_id"] == owner.user.id
    assert body["is_public"] is False and body["version"] == 1
    assert (body["portrait_count"], body["scene_count"], body["warnings"]) == (1, 1, [])
    assert body["expression_labels"] == []
    assert body["card"]["creator"] == "tidewright" and body["card"]["lorebook_entries"] == len(
        LOREBOOK_V2["entries"])
    assert body["card"]["tags"] == ["fantasy", "mystery", "female"] and "chub" in body["card"]["extension_keys"]
    fetched = await client.get(f"/api/v1/characters/{body['id']}", headers=owner.headers)
    assert fetched.status_code == 200 and fetched.json()["traits"] == card["data"]["personality"]
    listed = (await client.get(f"/api/v1/characters/{body['id']}/portraits", headers=owner.headers)).json()
    assert len(listed) == 1 and listed[0]["is_primary"] and listed[0]["image_url"]


async def test_export_formats_with_content_disposition(studio: Studio, client: AsyncClient) -> None:
    owner = api_user(studio, "owner@example.com")
    raw, _card = charx_bytes()
    created = (await client.post(IMPORT, headers=owner.headers, files={"file": ("s.charx", raw)})).json()
    default = await client.get(_export(created["id"]), headers=owner.headers)
    assert default.status_code == 200 and default.headers["content-type"] == "image/png"
    assert default.headers["content-disposition"] == (
        "attachment; filename=\"Sprite Sea.png\"; filename*=UTF-8''Sprite%20Sea.png")
    assert card_texts(default.content)["ccv3"]["data"]["name"] == "Sprite Sea"
    as_json = await client.get(_export(created["id"], "json"), headers=owner.headers)
    assert as_json.headers["content-type"] == "application/json"
    assert json.loads(as_json.content)["spec"] == "chara_card_v3"
    as_charx = await client.get(_export(created["id"], "charx"), headers=owner.headers)
    assert as_charx.headers["content-type"] == "application/zip" and as_charx.content[:2] == b"PK"
    again = await client.post(IMPORT, headers=owner.headers, files={"file": ("x.charx", as_charx.content)})
    assert again.status_code == 201 and again.json()["portrait_count"] == 3
    assert again.json()["expression_labels"] == ["happy"]  # the card's emotion is the set's sprite
    bad = await client.get(_export(created["id"], "gif"), headers=owner.headers)
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_request"


async def test_unicode_names_get_an_ascii_fallback(studio: Studio, client: AsyncClient) -> None:
    owner = api_user(studio, "owner@example.com")
    created = await client.post("/api/v1/characters", headers=owner.headers,
                                json={"name": "Ærwyn ユイ", "description": DESCRIPTION})
    response = await client.get(_export(created.json()["id"], "json"), headers=owner.headers)
    disposition = response.headers["content-disposition"]
    assert 'filename="_rwyn __.json"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "Ærwyn ユイ.json"


async def test_private_characters_export_only_for_their_owner(studio: Studio, client: AsyncClient) -> None:
    owner, other = api_user(studio, "owner@example.com"), api_user(studio, "other@example.com")
    private = (await client.post("/api/v1/characters", headers=owner.headers,
                                 json={"name": "Private", "description": DESCRIPTION})).json()
    public = (await client.post("/api/v1/characters", headers=owner.headers,
                                json={"name": "Public", "description": DESCRIPTION, "is_public": True})).json()
    hidden = await client.get(_export(private["id"]), headers=other.headers)
    assert hidden.status_code == 404 and hidden.json()["error"] == "Character not found"
    shown = await client.get(_export(public["id"], "json"), headers=other.headers)
    assert shown.status_code == 200 and json.loads(shown.content)["data"]["name"] == "Public"
    assert (await client.get(_export(private["id"]))).status_code == 401
    assert (await client.get(_export("no-such-id"), headers=owner.headers)).status_code == 404


async def test_bad_cards_answer_400_and_create_nothing(studio: Studio, client: AsyncClient) -> None:
    owner = api_user(studio, "owner@example.com")
    before = counts(studio.ctx)
    for payload, code in ((png_of(picture()), "card_no_card"), (b'{"hello": 1}', "card_not_a_card"),
                          (b"", "card_empty"), (json.dumps({"spec": "chara_card_v2", "data": {}}).encode(),
                                               "card_missing_name")):
        response = await client.post(IMPORT, headers=owner.headers, files={"file": ("card.png", payload)})
        assert response.status_code == 400, response.text
        body = response.json()
        assert body["success"] is False and body["code"] == code and body["fields"]["file"] == body["error"]
    missing = await client.post(IMPORT, headers=owner.headers)
    assert missing.status_code == 400 and missing.json()["code"] == "invalid_request"
    anonymous = await client.post(IMPORT, files={"file": ("c.json", json.dumps(v1_card()).encode())})
    assert anonymous.status_code == 401
    assert counts(studio.ctx) == before


async def test_a_file_over_the_limit_is_refused(studio: Studio, client: AsyncClient) -> None:
    owner = api_user(studio, "owner@example.com")
    raw, _card = charx_bytes()
    studio.ctx.settings.max_upload_bytes = len(raw) // 4 - 1
    response = await client.post(IMPORT, headers=owner.headers, files={"file": ("big.charx", raw)})
    assert response.status_code == 400 and response.json()["code"] == "card_too_large"
    assert counts(studio.ctx)["characters"] == 0


async def test_import_route_is_not_taken_for_a_character_id(studio: Studio, client: AsyncClient) -> None:
    owner = api_user(studio, "owner@example.com")
    created = await client.post(IMPORT, headers=owner.headers,
                                files={"file": ("c.json", json.dumps(v1_card()).encode(), "application/json")})
    assert created.status_code == 201
    as_get = await client.get(IMPORT, headers=owner.headers)  # GET /{id} with id "import": just not found
    assert as_get.status_code == 404
    exported = await client.get(_export(created.json()["id"]), headers=owner.headers)
    assert exported.status_code == 200 and pixels(exported.content)[1] == (768, 768)  # the offline render


@pytest.mark.usefixtures("streamed_exports")
async def test_the_api_streams_a_large_export_with_its_length(studio: Studio, client: AsyncClient) -> None:
    owner = api_user(studio, "owner@example.com")
    character = await make_full_character(studio.ctx, owner.user)
    assert (await export_card(studio.ctx, owner.user, character.id, "charx")).streamed  # as the app is set up
    held = await export_card(studio.ctx, owner.user, character.id, "charx", hold_limit=HOLD_ALL)
    assert not held.streamed
    response = await client.get(_export(character.id, "charx"), headers=owner.headers)
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content) == held.size
    assert response.content == held.data
