"""A character made in the studio, every field filled: studio -> PNG/CHARX -> studio restores it all.

Fields, scenes (with a stored image and a linked one), every portrait (pixels, order, primary, prompts,
generation metadata) and the reference image come back; so does a reference that is a portrait.
"""

from __future__ import annotations

from typing import Any

import pytest

from core import portraits, scenes
from core.cards.codec.mapping import STORAGE_KEYS
from core.cards.export import export_card, safe_filename
from core.cards.importer import import_card
from core.character_rules import EDITABLE_FIELDS
from core.characters import create_character, get_character, publish_character
from core.context import Context
from core.errors import NotFound
from core.models import Character, User
from core.reference_images import reference_location
from core.scenes import SCENE_FIELDS
from core.urls import locate
from storage.base import REFERENCE_IMAGES, USER_LIBRARY
from tests.support.cards import EVERY_FIELD, SCENE_LIBRARY, card_texts, counts, make_full_character, pixels
from tests.support.factories import make_user

FIELDS = [name for name in EDITABLE_FIELDS if name != "is_public"]
def _portrait_view(ctx: Context, portrait: Any) -> dict[str, Any]:
    meta = {k: v for k, v in portrait.generation_metadata.items() if k not in STORAGE_KEYS}
    data = ctx.storage.get(USER_LIBRARY, portrait.generation_metadata["storage_path"])
    return {"prompt": portrait.prompt, "enhanced_prompt": portrait.enhanced_prompt, "primary": portrait.is_primary,
            "metadata": meta, "pixels": pixels(data)}


def _scene_view(ctx: Context, scene: Any) -> dict[str, Any]:
    view = {name: getattr(scene, name) for name in SCENE_FIELDS if name != "image_url"}
    found = locate(scene.image_url)
    view["image"] = pixels(ctx.storage.get(*found)) if found else scene.image_url
    return view


def _reference_pixels(ctx: Context, character: Character) -> Any:
    bucket, key = reference_location(character) or ("", "")
    return bucket, pixels(ctx.storage.get(bucket, key))


def _snapshot(ctx: Context, owner: User, character_id: str) -> dict[str, Any]:
    character = get_character(ctx, owner, character_id)
    return {
        "fields": {name: getattr(character, name) for name in FIELDS},
        "portraits": [_portrait_view(ctx, p) for p in portraits.list_portraits(ctx, owner, character_id)],
        "scenes": [_scene_view(ctx, s) for s in scenes.list_scenes(ctx, owner, character_id)],
        "reference": _reference_pixels(ctx, character),
        "card_data_fields": character.card_data.get("fields", {}),
    }


@pytest.mark.parametrize("fmt", ["png", "charx"])
async def test_studio_to_card_to_studio_restores_every_field_and_portrait(ctx: Context, fmt: str) -> None:
    owner = make_user(ctx.db)
    original = await make_full_character(ctx, owner)
    exported = await export_card(ctx, owner, original.id, fmt)
    assert exported.warnings == [] and exported.filename == f"Mira Vale.{fmt}"
    result = await import_card(ctx, owner, exported.data)
    assert result.warnings == []
    before, after = _snapshot(ctx, owner, original.id), _snapshot(ctx, owner, result.character.id)
    assert after["fields"].pop("name") == "Mira Vale (2)"  # the owner has the original: the copy is told apart
    assert after["fields"] == {k: v for k, v in before["fields"].items() if k != "name"}
    assert before["fields"] == {**EVERY_FIELD}
    assert after["portraits"] == before["portraits"] and len(after["portraits"]) == 3
    assert after["scenes"] == before["scenes"]
    assert after["reference"] == before["reference"] and after["reference"][0] == REFERENCE_IMAGES
    first_export = card_texts(exported.data) if fmt == "png" else None
    again = await export_card(ctx, owner, result.character.id, fmt)  # a second trip is stable too
    back = await import_card(ctx, owner, again.data)
    assert _snapshot(ctx, owner, back.character.id)["fields"] == {**before["fields"], "name": "Mira Vale (3)"}
    if first_export is not None:
        assert card_texts(again.data)["ccv3"]["data"]["description"] == first_export["ccv3"]["data"]["description"]


async def test_a_reference_that_is_a_portrait_points_at_the_new_portrait(ctx: Context) -> None:
    owner = make_user(ctx.db)
    original = await make_full_character(ctx, owner, reference="portrait")
    for fmt in ("png", "charx"):
        result = await import_card(ctx, owner, (await export_card(ctx, owner, original.id, fmt)).data)
        bucket, key = reference_location(result.character) or ("", "")
        third = portraits.list_portraits(ctx, owner, result.character.id)[2]
        assert (bucket, key) == (USER_LIBRARY, third.generation_metadata["storage_path"])


async def test_the_png_prompt_text_carries_the_persona_and_profile(ctx: Context) -> None:
    owner = make_user(ctx.db)
    original = await make_full_character(ctx, owner)
    data = card_texts((await export_card(ctx, owner, original.id, "png")).data)["ccv3"]["data"]
    assert data["description"].startswith(EVERY_FIELD["description"] + "\n\n## Persona\n" + EVERY_FIELD["persona"])
    assert "Voice: playful" in data["description"] and 'Never says: "as an AI"; "I cannot"' in data["description"]
    assert data["personality"] == EVERY_FIELD["traits"] and data["scenario"] == SCENE_LIBRARY["scene_description"]
    assert data["mes_example"] == ("<START>\n{{user}}: Where are we?\n{{char}}: Somewhere not on any map. Yet.\n"
                                   "<START>\n*hums a sea shanty*")
    assert [a["name"] for a in data["assets"] if a["type"] == "icon"] == ["main", "portrait_2", "portrait_3"]
    assert [a["type"] for a in data["assets"]][-2:] == ["background", "x_character_studio_reference"]


async def test_png_without_embedded_assets_carries_only_the_primary(ctx: Context) -> None:
    owner = make_user(ctx.db)
    original = await make_full_character(ctx, owner)
    exported = await export_card(ctx, owner, original.id, "png", embed_assets=False)
    assert not any(k.startswith("chara-ext") for k in card_texts(exported.data))
    result = await import_card(ctx, owner, exported.data)
    [portrait] = portraits.list_portraits(ctx, owner, result.character.id)
    primary = next(p for p in portraits.list_portraits(ctx, owner, original.id) if p.is_primary)
    assert _portrait_view(ctx, portrait) == _portrait_view(ctx, primary)


async def test_a_character_without_portraits_exports_the_offline_render(ctx: Context) -> None:
    owner = make_user(ctx.db)
    bare = create_character(ctx, owner, {"name": "Nobody/Special:*?", "appearance_tags": ["red hair"]})
    exported = await export_card(ctx, owner, bare.id, "png")
    assert exported.filename == "Nobody_Special.png"
    assert pixels(exported.data)[1] == (768, 768)
    result = await import_card(ctx, owner, exported.data)
    assert result.portraits == [] and result.character.appearance_tags == ["red hair"]
    charx = await export_card(ctx, owner, bare.id, "charx")
    assert (await import_card(ctx, owner, charx.data)).portraits == []


async def test_public_characters_export_for_anyone_private_only_for_the_owner(ctx: Context) -> None:
    owner, other = make_user(ctx.db), make_user(ctx.db)
    character = create_character(ctx, owner, {"name": "Shy"})
    with pytest.raises(NotFound):
        await export_card(ctx, other, character.id, "json")
    publish_character(ctx, owner, character.id)
    assert (await export_card(ctx, other, character.id, "json")).filename == "Shy.json"
    before = counts(ctx)
    await import_card(ctx, other, (await export_card(ctx, other, character.id, "png")).data)
    assert counts(ctx)["characters"] == before["characters"] + 1


def test_safe_filenames() -> None:
    assert safe_filename("Mira Vale", "png") == "Mira Vale.png"
    assert safe_filename("../../etc/passwd", "json") == "etc_passwd.json"
    assert safe_filename('A "quoted" name\n', "charx") == "A _quoted_ name.charx"
    assert safe_filename("Ærwyn ユイ", "png") == "Ærwyn ユイ.png"
    assert safe_filename("...", "png") == "character.png" and safe_filename("CON", "png") == "CON_.png"
