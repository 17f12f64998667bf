"""Expression sprites in cards: one ``emotion`` asset per label out, the set back in, byte for byte.

The exported files are read here as a V3 reader would (a CHARX member for ``embeded://``, a PNG's
``chara-ext-asset_:N`` chunk for ``__asset:N``), independently of the studio's own reader.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from typing import Any

import pytest
from sqlmodel import func, select

from core.cards.codec.sprites import all_labels
from core.cards.errors import CardError
from core.cards.export import export_card
from core.cards.importer import import_card
from core.characters import update_character
from core.context import Context
from core.expressions import store
from core.expressions.labels import MAX_LABELS, preset_labels
from core.expressions.transfer import export_sprites, upload_image
from core.models import ExpressionImage, ExpressionSet, User
from tests.support.cards import (
    add_stored_portrait,
    counts,
    join_chunks,
    picture,
    png_of,
    split_chunks,
    text_payload,
    v2_card,
    v2_png,
)
from tests.support.factories import make_character, make_user

SILLYTAVERN = preset_labels("sillytavern")


async def test_charx_carries_28_emotions_that_resolve_to_the_chosen_images_and_come_back(ctx: Context) -> None:
    owner = make_user(ctx.db)
    character = await _with_sillytavern_set(ctx, owner)
    chosen = {sprite.label: sprite.images[0] for sprite in await export_sprites(ctx, owner, character.id)}

    exported = await export_card(ctx, owner, character.id, "charx")
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        card = json.loads(archive.read("card.json"))
        emotions = [a for a in card["data"]["assets"] if a["type"] == "emotion"]
        assert [a["name"] for a in emotions] == list(SILLYTAVERN)
        assert {a["ext"] for a in emotions} == {"png"}
        for asset in emotions:
            assert asset["uri"].startswith("embeded://")
            assert archive.read(asset["uri"].removeprefix("embeded://")) == chosen[asset["name"]]
    assert card["data"]["extensions"]["character_studio"]["expressions"]["labels"] == [*SILLYTAVERN, "smirk"]

    result = await import_card(ctx, owner, exported.data)
    assert result.expression_labels == [*SILLYTAVERN, "smirk"]
    back = store.read_set(ctx, owner, result.character.id)
    assert back is not None and back.source_kind == "import"
    assert [label.label for label in back.labels] == [*SILLYTAVERN, "smirk"]
    again = {sprite.label: sprite.images[0] for sprite in await export_sprites(ctx, owner, result.character.id)}
    assert again == chosen  # every label, and the chosen image byte for byte
    smirk = back.label("smirk")
    assert smirk is not None and smirk.chosen is None and smirk.status == "cancelled"  # empty: Retry is offered
    assert len(result.portraits) == 1  # the sprites are the set's, not portraits


async def test_png_card_carries_the_emotions_as_asset_chunks(ctx: Context) -> None:
    owner = make_user(ctx.db)
    character = await _with_sillytavern_set(ctx, owner)
    chosen = {sprite.label: sprite.images[0] for sprite in await export_sprites(ctx, owner, character.id)}

    exported = (await export_card(ctx, owner, character.id, "png")).data
    texts = _png_texts(exported)
    card = json.loads(base64.b64decode(texts["ccv3"]))
    emotions = [a for a in card["data"]["assets"] if a["type"] == "emotion"]
    assert len(emotions) == len(SILLYTAVERN)
    for asset in emotions:
        key = asset["uri"].removeprefix("__asset:")
        assert base64.b64decode(texts[f"chara-ext-asset_:{key}"]) == chosen[asset["name"]]

    result = await import_card(ctx, owner, exported)
    again = {sprite.label: sprite.images[0] for sprite in await export_sprites(ctx, owner, result.character.id)}
    assert again == chosen


async def test_json_exports_and_other_peoples_exports_carry_no_sprites(ctx: Context) -> None:
    owner, other = make_user(ctx.db), make_user(ctx.db)
    character = await _with_sillytavern_set(ctx, owner, labels=("joy", "anger"))
    update_character(ctx, owner, character.id, {"is_public": True}, character.version)

    as_json = json.loads((await export_card(ctx, owner, character.id, "json")).data)
    assert not [a for a in as_json["data"]["assets"] if a["type"] == "emotion"]
    theirs = await export_card(ctx, other, character.id, "charx")
    with zipfile.ZipFile(io.BytesIO(theirs.data)) as archive:
        card = json.loads(archive.read("card.json"))
        assert not [a for a in card["data"]["assets"] if a["type"] == "emotion"]
        assert not [name for name in archive.namelist() if "/emotion/" in name]
    assert "expressions" not in card["data"]["extensions"]["character_studio"]


async def test_risuai_emotions_become_the_set(ctx: Context) -> None:
    owner = make_user(ctx.db)
    happy, happy_alt, sad = (png_of(picture(40, 40, seed)) for seed in (1, 2, 3))
    card = v2_card()
    card["data"]["extensions"]["risuai"] = {"emotions": [
        ["Happy", _data_uri(happy)], ["happy-1", _data_uri(happy_alt)], ["sad face", "__asset:0"],
        ["far away", "https://example.org/far.png"], ["", _data_uri(sad)]], "utilityBot": False}
    png, _card = v2_png()
    chunks = [(kind, data) for kind, data in split_chunks(png) if kind != b"tEXt"]
    raw = join_chunks([*chunks[:-1], (b"tEXt", text_payload("chara", card)),
                       (b"tEXt", text_payload("chara-ext-asset_:0", sad)), chunks[-1]])

    result = await import_card(ctx, owner, raw)
    view = store.read_set(ctx, owner, result.character.id)
    assert view is not None and [label.label for label in view.labels] == ["happy", "sad-face"]
    sprites = await export_sprites(ctx, owner, result.character.id)
    assert [(s.label, s.images) for s in sprites] == [("happy", (happy, happy_alt)), ("sad-face", (sad,))]
    assert result.character.card_data["extensions"]["risuai"] == {"utilityBot": False}  # the list became the set
    assert any("'far-away'" in warning and "not in the file" in warning for warning in result.warnings)
    assert any("is not a name a sprite can have" in warning for warning in result.warnings)


async def test_a_sprite_that_is_not_an_image_refuses_the_card_and_stores_nothing(ctx: Context) -> None:
    owner = make_user(ctx.db)
    character = await _with_sillytavern_set(ctx, owner, labels=("joy", "anger"))
    exported = (await export_card(ctx, owner, character.id, "charx")).data
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        assets = json.loads(archive.read("card.json"))["data"]["assets"]
    (anger,) = [a["uri"].removeprefix("embeded://") for a in assets if a["name"] == "anger"]
    broken = _replace_member(exported, lambda name: name == anger, b"not an image")
    before, sets_before = counts(ctx), _rows(ctx)

    with pytest.raises(CardError, match="emotion 'anger' is not an image") as caught:
        await import_card(ctx, owner, broken)
    assert caught.value.reason == "not_an_image"
    assert counts(ctx) == before and _rows(ctx) == sets_before


# -- helpers ---------------------------------------------------------------------------------------


async def _with_sillytavern_set(ctx: Context, owner: User, labels: tuple[str, ...] = SILLYTAVERN) -> Any:
    """A character with a primary portrait and a set: one upload per label (``joy`` gets an alternative,
    so its chosen image is the second), plus an empty ``smirk`` when it is the full set."""
    character = make_character(ctx, owner)
    await add_stored_portrait(ctx, owner, character, 5)
    for index, label in enumerate(labels):
        await upload_image(ctx, owner, character.id, label, png_of(picture(48, 48, 100 + index)))
    if "joy" in labels:
        await upload_image(ctx, owner, character.id, "joy", png_of(picture(48, 48, 99)))
    if labels == SILLYTAVERN:
        store.add_labels(ctx, owner, character.id, ["smirk"], source_kind="upload")
    return character


def _png_texts(png: bytes) -> dict[str, bytes]:
    found = {}
    for kind, data in split_chunks(png):
        if kind == b"tEXt":
            keyword, _, text = data.partition(b"\x00")
            found[keyword.decode("latin-1")] = text
    return found


def _data_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def _replace_member(charx: bytes, which: Any, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(charx)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, data if which(info.filename) else source.read(info.filename))
    return out.getvalue()


def _rows(ctx: Context) -> tuple[int, int]:
    with ctx.db.read() as session:
        return (int(session.exec(select(func.count()).select_from(ExpressionSet)).one()),
                int(session.exec(select(func.count()).select_from(ExpressionImage)).one()))


def test_labels_past_the_limit_drop_the_empty_ones_never_a_sprite() -> None:
    """The rule alone (a card of 65 labels with images is slow to build for what it shows)."""
    listed = [f"empty{i}" for i in range(MAX_LABELS)]
    labels = all_labels({"expressions": {"labels": listed}}, ["joy", "anger"])
    assert len(labels) == MAX_LABELS and labels[-2:] == ["joy", "anger"]
    assert labels[:MAX_LABELS - 2] == listed[:MAX_LABELS - 2]
