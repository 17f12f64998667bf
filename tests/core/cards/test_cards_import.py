"""Cards as real tools write them (built from the specs): import, then export and import again.

Every round trip must give back the studio fields, the lorebook and the unknown ``extensions`` keys
exactly (compared as parsed JSON), and an imported card must export with its own prompt text.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from core.cards.export import export_card
from core.cards.importer import CardImportResult, import_card
from core.character_rules import EDITABLE_FIELDS
from core.characters import create_character
from core.context import Context
from core.expressions.store import read_set
from core.models import User
from core.portraits import list_portraits
from core.scenes import SCENE_FIELDS, list_scenes
from core.urls import locate
from storage.base import USER_LIBRARY
from tests.support.cards import (
    LOREBOOK_V2,
    UNKNOWN_EXTENSIONS,
    card_texts,
    charx_bytes,
    counts,
    join_chunks,
    picture,
    pixels,
    png_of,
    split_chunks,
    text_payload,
    v1_card,
    v2_png,
    v3_card,
    v3_png,
    with_text_chunks,
)
from tests.support.factories import make_user

FIELDS = [name for name in EDITABLE_FIELDS if name != "is_public"]
PROMPT_KEYS = ("name", "description", "personality", "scenario", "first_mes", "mes_example", "system_prompt",
               "alternate_greetings", "creator_notes", "post_history_instructions", "tags", "creator",
               "character_version")


def _source(kind: str) -> tuple[bytes, dict[str, Any]]:
    if kind == "v1":
        card = v1_card()
        return json.dumps(card).encode(), card
    if kind == "v2":
        return v2_png()
    if kind == "v3":
        return v3_png()
    return charx_bytes()


def _data(card: dict[str, Any]) -> dict[str, Any]:
    return card.get("data", card)


def _stored(ctx: Context, portrait: Any) -> bytes:
    return ctx.storage.get(USER_LIBRARY, portrait.generation_metadata["storage_path"])


def _scene_view(scene: Any) -> dict[str, Any]:
    return {name: getattr(scene, name) for name in SCENE_FIELDS if name != "image_url"} | {
        "has_image": bool(scene.image_url)}


def _sprite_bytes(ctx: Context, url: str) -> bytes:
    found = locate(url)
    assert found is not None
    return ctx.storage.get(*found)


async def _import(ctx: Context, owner: User, raw: bytes) -> CardImportResult:
    return await import_card(ctx, owner, raw)


async def test_v1_json_card(ctx: Context) -> None:
    owner = make_user(ctx.db)
    raw, card = _source("v1")
    result = await _import(ctx, owner, raw)
    character = result.character
    assert (character.user_id, character.is_public, character.name) == (owner.id, False, "Old Tom")
    assert character.description == card["description"] and character.traits == card["personality"]
    assert character.first_message == card["first_mes"] and character.gender == "unspecified"
    assert character.voice_examples == ["{{user}}: Hello!\n{{char}}: Hmph. Hello yourself.",
                                        "{{user}}: Storm coming?\n{{char}}: Always is."]
    assert [(s.scene_name, s.scene_description) for s in result.scenes] == [("Scenario", card["scenario"])]
    assert result.portraits == [] and character.image_url is None
    assert character.card_data["spec"] == "chara_card_v1" and result.warnings == []


async def test_v2_png_card_uses_data_not_the_stale_top_level(ctx: Context) -> None:
    owner = make_user(ctx.db)
    raw, card = _source("v2")
    data = card["data"]
    result = await _import(ctx, owner, raw)
    character = result.character
    assert character.name == data["name"] and character.description == data["description"]
    assert (character.traits, character.first_message, character.system_prompt) == (
        data["personality"], data["first_mes"], data["system_prompt"])
    assert character.alternate_greetings == data["alternate_greetings"]
    assert character.voice_examples == ["{{user}}: Is the light working?\n{{char}}: It works when I say it works."]
    kept = character.card_data
    assert kept["fields"]["character_book"] == LOREBOOK_V2
    assert kept["extensions"] == UNKNOWN_EXTENSIONS
    assert {k: kept["fields"][k] for k in ("creator", "creator_notes", "tags", "character_version",
                                           "post_history_instructions")} == {
        k: data[k] for k in ("creator", "creator_notes", "tags", "character_version", "post_history_instructions")}
    assert kept["top"] == {k: card[k] for k in ("creatorcomment", "avatar", "talkativeness", "fav", "tags",
                                                "create_date")}
    [portrait] = result.portraits
    assert portrait.is_primary and character.image_url == portrait.image_url
    assert pixels(_stored(ctx, portrait)) == pixels(png_of(picture(96, 64, 1)))
    assert portrait.generation_metadata["card_asset"]["uri"] == "ccdefault:"


async def test_v3_png_card_prefers_ccv3_and_keeps_v3_fields(ctx: Context) -> None:
    owner = make_user(ctx.db)
    raw, card = _source("v3")
    result = await _import(ctx, owner, raw)
    fields = result.character.card_data["fields"]
    assert result.character.name == "Captain Ilse"
    assert fields["creator_notes"] == "Best with a slow-burn story."  # not the V2 backfill's warning
    for key in ("nickname", "source", "group_only_greetings", "creation_date", "modification_date",
                "creator_notes_multilingual", "character_book"):
        assert fields[key] == card["data"][key], key
    assert [e["use_regex"] for e in fields["character_book"]["entries"]] == [False, False, True]
    assert result.character.card_data["assets"] == [card["data"]["assets"][1]]  # the remote user icon, kept
    assert len(result.portraits) == 1


async def test_charx_with_three_icons_and_an_emotion(ctx: Context) -> None:
    owner = make_user(ctx.db)
    raw, card = _source("charx")
    result = await _import(ctx, owner, raw)
    names = [p.generation_metadata["card_asset"]["name"] for p in result.portraits]
    assert names == ["main", "side", "back"]  # the emotion is a sprite of the expression set, not a portrait
    assert [p.is_primary for p in result.portraits] == [True, False, False]
    assert result.expression_labels == ["happy"]
    sprite = read_set(ctx, owner, result.character.id)
    assert sprite is not None and sprite.source_kind == "import"
    (happy,) = sprite.labels
    assert happy.label == "happy" and happy.status == "completed" and happy.chosen is not None
    assert pixels(_sprite_bytes(ctx, happy.chosen.image_url)) == pixels(png_of(picture(48, 48, 6)))
    gallery = list_portraits(ctx, owner, result.character.id)
    assert [p.id for p in gallery] == [p.id for p in result.portraits]  # gallery order: main first
    assert pixels(_stored(ctx, result.portraits[0])) == pixels(png_of(picture(64, 64, 3)))
    assert pixels(_stored(ctx, result.portraits[2]))[2] == pixels(png_of(picture(64, 64, 5)))[2]  # WebP, lossless
    assert all(_stored(ctx, p).startswith(b"\x89PNG") for p in result.portraits)
    assert result.character.card_data["assets"] == [card["data"]["assets"][4]]
    assert result.warnings == ["1 file(s) in the archive are not assets of the card and were not kept: module.risum."]


@pytest.mark.parametrize("kind", ["v1", "v2", "v3", "charx"])
@pytest.mark.parametrize("fmt", ["png", "json", "charx"])
async def test_export_then_import_gives_everything_back(ctx: Context, kind: str, fmt: str) -> None:
    owner = make_user(ctx.db)
    raw, card = _source(kind)
    first = await _import(ctx, owner, raw)
    exported = await export_card(ctx, owner, first.character.id, fmt)
    second = await _import(ctx, owner, exported.data)
    one, two = first.character, second.character
    assert two.name == f"{one.name} (2)"  # the owner already has the first copy: the second is told apart
    assert {f: getattr(two, f) for f in FIELDS if f != "name"} == {f: getattr(one, f) for f in FIELDS if f != "name"}
    assert two.id != one.id and second.warnings == []
    added = {"creation_date", "modification_date"} - set(_data(card))  # the spec asks exporters to add them
    original = {k: v for k, v in one.card_data.get("fields", {}).items()}
    assert {k: v for k, v in two.card_data.get("fields", {}).items() if k not in added} == original
    for key in ("extensions", "top", "assets", "verbatim"):
        assert two.card_data.get(key) == one.card_data.get(key), key
    if "character_book" in _data(card):
        assert two.card_data["fields"]["character_book"] == _data(card)["character_book"]
    if kind != "v1":
        assert two.card_data["extensions"] == UNKNOWN_EXTENSIONS
    assert [_scene_view(s) for s in list_scenes(ctx, owner, two.id)] == [
        _scene_view(s) | ({"has_image": False} if fmt == "json" else {}) for s in list_scenes(ctx, owner, one.id)]
    before, after = list_portraits(ctx, owner, one.id), list_portraits(ctx, owner, two.id)
    if fmt == "json":
        assert after == []
    else:
        assert [pixels(_stored(ctx, p)) for p in after] == [pixels(_stored(ctx, p)) for p in before]
        assert [p.is_primary for p in after] == [p.is_primary for p in before]
        strip = ("storage_path", "thumbnail_paths")
        assert [{k: v for k, v in p.generation_metadata.items() if k not in strip} for p in after] == [
            {k: v for k, v in p.generation_metadata.items() if k not in strip} for p in before]


@pytest.mark.parametrize("kind", ["v1", "v2", "v3", "charx"])
async def test_an_imported_card_exports_with_its_own_text(ctx: Context, kind: str) -> None:
    owner = make_user(ctx.db)
    raw, card = _source(kind)
    result = await _import(ctx, owner, raw)
    exported = json.loads((await export_card(ctx, owner, result.character.id, "json")).data)
    source = _data(card)
    for key in PROMPT_KEYS:
        if key in source:
            assert exported["data"][key] == source[key], key
    for key in ("nickname", "source", "group_only_greetings", "creation_date", "modification_date", "character_book"):
        if key in source:
            assert exported["data"][key] == source[key], key
    assert {k: v for k, v in exported["data"]["extensions"].items() if k != "character_studio"} == source.get(
        "extensions", {})
    for key in ("name", "description", "personality", "scenario", "first_mes", "mes_example"):
        assert exported[key] == exported["data"][key]  # the V1 fields repeated at the top level
    assert exported["spec"] == "chara_card_v3" and exported["spec_version"] == "3.0"


async def test_exported_png_keeps_the_primary_pixels_and_both_chunks_agree(ctx: Context) -> None:
    owner = make_user(ctx.db)
    raw, _card = _source("charx")
    result = await _import(ctx, owner, raw)
    primary = next(p for p in result.portraits if p.is_primary)
    exported = await export_card(ctx, owner, result.character.id, "png")
    assert exported.media_type == "image/png" and exported.filename == "Sprite Sea.png"
    assert pixels(exported.data) == pixels(_stored(ctx, primary))
    texts = card_texts(exported.data)
    assert texts["chara"]["spec"] == "chara_card_v2" and texts["ccv3"]["spec"] == "chara_card_v3"
    assert texts["chara"]["data"] == texts["ccv3"]["data"]
    only = {}
    for keyword in ("chara", "ccv3"):  # each chunk alone brings back the same character
        drop = {"chara": b"ccv3\x00", "ccv3": b"chara\x00"}[keyword]
        chunks = [c for c in split_chunks(exported.data) if not (c[0] == b"tEXt" and c[1].startswith(drop))]
        imported = await _import(ctx, owner, join_chunks(chunks))
        only[keyword] = imported
    one, two = only["chara"].character, only["ccv3"].character
    assert (one.name, two.name) == ("Sprite Sea (2)", "Sprite Sea (3)")  # numbered copies of what the owner has
    assert {f: getattr(one, f) for f in FIELDS if f != "name"} == {f: getattr(two, f) for f in FIELDS if f != "name"}
    assert {k: v for k, v in one.card_data.items() if k not in ("spec", "spec_version")} == {
        k: v for k, v in two.card_data.items() if k not in ("spec", "spec_version")}
    assert len(only["chara"].portraits) == len(only["ccv3"].portraits) == 3
    assert only["chara"].expression_labels == only["ccv3"].expression_labels == ["happy"]  # the sprite came along


async def test_a_card_edited_elsewhere_keeps_the_edit(ctx: Context) -> None:
    owner = make_user(ctx.db)
    made = create_character(ctx, owner, {"name": "Edda", "description": "A smith.", "persona": "Blunt.",
                                         "voice_examples": ["Hm."], "mood": "dominant"})
    exported = (await export_card(ctx, owner, made.id, "png")).data
    card = card_texts(exported)["ccv3"]
    card["data"]["description"] = card["data"]["description"].replace("A smith.", "A master smith.")
    card["data"]["mes_example"] += "\n<START>\nHa!"
    chunks = [c for c in split_chunks(exported) if c[0] != b"tEXt"]
    edited = join_chunks([*chunks[:-1], (b"tEXt", text_payload("ccv3", card)), chunks[-1]])
    back = (await _import(ctx, owner, edited)).character
    assert (back.description, back.persona, back.mood) == ("A master smith.", "Blunt.", "dominant")
    assert back.voice_examples == ["Hm.", "Ha!"]


async def test_values_the_studio_cannot_hold_are_kept_verbatim(ctx: Context) -> None:
    owner = make_user(ctx.db)
    greetings = [f"Greeting number {i}" for i in range(25)]  # the studio holds at most 20
    card = {"spec": "chara_card_v2", "spec_version": "2.0",
            "data": {"name": "Chatty", "description": "Talks.", "alternate_greetings": greetings,
                     "scenario": "s" * 6000}}
    result = await _import(ctx, owner, json.dumps(card).encode())
    assert result.character.alternate_greetings == [] and result.scenes == []
    assert len(result.warnings) == 2 and "alternate_greetings" in result.warnings[0]
    exported = json.loads((await export_card(ctx, owner, result.character.id, "json")).data)
    assert exported["data"]["alternate_greetings"] == greetings and exported["data"]["scenario"] == "s" * 6000


async def test_import_creates_only_new_characters_owned_by_the_importer(ctx: Context) -> None:
    owner, other = make_user(ctx.db), make_user(ctx.db)
    raw, _card = _source("v2")
    first = await _import(ctx, owner, raw)
    second = await _import(ctx, other, raw)
    assert first.character.id != second.character.id and second.character.user_id == other.id
    assert counts(ctx)["characters"] == 2
    png_without_image_chunks = with_text_chunks(png_of(picture(8, 8)), ("chara", {"name": "Tiny"}))
    assert (await _import(ctx, owner, png_without_image_chunks)).character.name == "Tiny"


async def test_backgrounds_become_scene_images_and_other_assets_are_reported(ctx: Context) -> None:
    owner = make_user(ctx.db)
    card = v3_card()
    inline = "data:image/png;base64," + base64.b64encode(png_of(picture(40, 40, 8))).decode()
    card["data"].update(name="Scenic", assets=[
        {"type": "background", "uri": "embeded://assets/background/images/forest.png", "name": "forest", "ext": "png"},
        {"type": "background", "uri": "embeded://assets/background/images/room.png", "name": "main", "ext": "png"},
        {"type": "x_risu_audio", "uri": "embeded://assets/other/audio/theme.mp3", "name": "theme", "ext": "mp3"},
        {"type": "icon", "uri": inline, "name": "main", "ext": "png"},
    ])
    raw, _ = charx_bytes(card, {"assets/background/images/forest.png": png_of(picture(90, 50, 9)),
                                "assets/background/images/room.png": png_of(picture(90, 50, 10)),
                                "assets/other/audio/theme.mp3": b"ID3\x03 not an image"})
    result = await _import(ctx, owner, raw)
    assert [(s.scene_name, s.scene_description, s.priority) for s in result.scenes] == [
        ("Scenario", card["data"]["scenario"], 0), ("forest", None, -1)]
    images = [pixels(ctx.storage.get(*(locate(s.image_url) or ("", "")))) for s in result.scenes]
    assert images == [pixels(png_of(picture(90, 50, 10))), pixels(png_of(picture(90, 50, 9)))]
    [portrait] = result.portraits  # the data: URI icon
    assert pixels(_stored(ctx, portrait)) == pixels(png_of(picture(40, 40, 8)))
    assert any("x_risu_audio asset 'theme'" in warning for warning in result.warnings)
    exported = json.loads((await export_card(ctx, owner, result.character.id, "json")).data)
    assert exported["data"]["scenario"] == card["data"]["scenario"]


async def test_copies_of_one_card_are_numbered_per_owner(ctx: Context) -> None:
    """Importing a card the person already has gives 'Old Tom (2)', then '(3)'; a name case-insensitively
    taken counts too; another account's characters do not; a long name is shortened to fit the suffix."""
    owner, other = make_user(ctx.db), make_user(ctx.db)
    raw, _card = _source("v1")
    names = [(await _import(ctx, owner, raw)).character.name for _ in range(3)]
    assert names == ["Old Tom", "Old Tom (2)", "Old Tom (3)"]
    assert (await _import(ctx, other, raw)).character.name == "Old Tom"
    create_character(ctx, other, {"name": "old tom (2)"})
    assert (await _import(ctx, other, raw)).character.name == "Old Tom (3)"
    long_name = "L" * 50
    card = {"name": long_name, "description": "d", "personality": "", "scenario": "", "first_mes": "",
            "mes_example": ""}
    data = json.dumps(card).encode()
    first, second = (await _import(ctx, owner, data)).character, (await _import(ctx, owner, data)).character
    assert first.name == long_name and second.name == "L" * 46 + " (2)" and len(second.name) == 50
