"""Sprites in and out through the image gate: upload for a label, export the bytes (cards: tests/core/cards)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image

from core.container import Studio
from core.expressions import store
from core.expressions.transfer import export_sprites, upload_image
from tests.support.factories import make_character, make_user


@pytest.fixture
async def sets(studio: Studio) -> AsyncIterator[Studio]:
    yield studio
    await studio.expressions.aclose()


def _png(colour: tuple[int, int, int, int], size: int = 64) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (size, size), colour).save(buffer, format="PNG")
    return buffer.getvalue()


async def test_an_upload_becomes_the_chosen_image_of_a_new_label(sets: Studio) -> None:
    user = make_user(sets.ctx.db)
    character = make_character(sets.ctx, user)
    await upload_image(sets.ctx, user, character.id, "smug", _png((10, 200, 30, 0)))
    view = store.read_set(sets.ctx, user, character.id)
    assert view is not None
    smug = view.label("smug")
    assert smug is not None and smug.status == "completed" and smug.chosen is not None
    assert smug.chosen.origin == "upload" and smug.chosen.background == "transparent"


async def test_export_gives_each_label_chosen_first_then_the_alternatives(sets: Studio) -> None:
    user = make_user(sets.ctx.db)
    source = make_character(sets.ctx, user)
    await upload_image(sets.ctx, user, source.id, "joy", _png((200, 10, 10, 255)))
    await upload_image(sets.ctx, user, source.id, "joy", _png((10, 10, 200, 255)))
    await upload_image(sets.ctx, user, source.id, "grief", _png((90, 90, 90, 128)))
    exported = await export_sprites(sets.ctx, user, source.id)
    assert [(s.label, len(s.images)) for s in exported] == [("joy", 2), ("grief", 1)]
    joy = exported[0].images
    assert [_colour(data) for data in joy] == [(10, 10, 200, 255), (200, 10, 10, 255)]  # the newest is chosen


def _colour(png: bytes) -> tuple[int, ...]:
    with Image.open(io.BytesIO(png)) as im:
        return tuple(im.convert("RGBA").getpixel((0, 0)))
