"""An export too large to hold streams its stored files one at a time: the same bytes as an export
held in memory, with memory near the largest single image instead of the whole gallery."""

from __future__ import annotations

import io
import os
import tracemalloc
import zipfile

import pytest
from PIL import Image
from sqlmodel import select

from core import characters, portraits
from core.cards.export import export_card, export_card_sync
from core.cards.pieces import StoredFileChanged
from core.context import Context
from core.events import EventBus
from core.models import Character, CharacterPortrait, User
from core.portraits import list_portraits
from storage.base import USER_LIBRARY
from tests.support.cards import add_stored_portrait, card_texts, make_full_character, pixels
from tests.support.factories import make_user

NOISE_EDGE = 256  # random pixels do not compress: each portrait is ~200 KB
FIXED_ALLOWANCE = 384_000


def _uncached(ctx: Context) -> Context:
    return Context(ctx.settings, ctx.db, EventBus(), ctx.storage)


async def _noisy_gallery(ctx: Context, owner: User, count: int = 10) -> Character:
    """A character whose portraits are large, incompressible PNGs."""
    character = characters.create_character(ctx, owner, {"name": "Static Sea", "description": "x" * 60})
    for seed in range(count):
        await add_stored_portrait(ctx, owner, character, seed)
    for portrait in list_portraits(ctx, owner, character.id):
        noise = Image.frombytes("RGB", (NOISE_EDGE, NOISE_EDGE), os.urandom(NOISE_EDGE * NOISE_EDGE * 3))
        out = io.BytesIO()
        noise.save(out, "PNG")
        ctx.storage.put(USER_LIBRARY, portrait.generation_metadata["storage_path"], out.getvalue(), "image/png")
        _forget_recorded_checksum(ctx, portrait.id)
    return character


def _forget_recorded_checksum(ctx: Context, portrait_id: str) -> None:
    """The noise replaced the stored bytes: the recorded CRC no longer holds, so none is recorded."""
    with ctx.db.write() as session:
        row = session.exec(select(CharacterPortrait).where(CharacterPortrait.id == portrait_id)).one()
        row.generation_metadata = {k: v for k, v in row.generation_metadata.items()
                                   if k not in ("stored_crc32", "stored_size")}
        session.add(row)


@pytest.mark.parametrize("fmt", ["png", "charx", "json"])
async def test_a_streamed_export_is_byte_for_byte_the_held_one(ctx: Context, fmt: str) -> None:
    owner = make_user(ctx.db)
    character = await make_full_character(ctx, owner)
    streamed = await export_card(ctx, owner, character.id, fmt, hold_limit=1)
    held = await export_card(_uncached(ctx), owner, character.id, fmt)
    assert streamed.streamed is (fmt != "json") and not held.streamed  # JSON carries no files
    assert streamed.size == held.size == len(held.data)
    assert streamed.data == held.data
    if fmt == "charx":
        assert zipfile.ZipFile(io.BytesIO(streamed.data)).testzip() is None
    if fmt == "png":
        assert card_texts(streamed.data)["ccv3"]["data"]["name"] == character.name


async def test_streaming_holds_one_image_at_a_time(ctx: Context) -> None:
    owner = make_user(ctx.db)
    character = await _noisy_gallery(ctx, owner)
    sizes = [len(ctx.storage.get(USER_LIBRARY, p.generation_metadata["storage_path"]))
             for p in list_portraits(ctx, owner, character.id)]
    assert min(sizes) > 150_000

    def peak(hold_limit: int | None) -> tuple[int, int]:
        """Peak traced memory of exporting and sending the CHARX (pieces consumed and dropped), and its size."""
        tracemalloc.start()
        try:
            exported = export_card_sync(_uncached(ctx), owner, character.id, "charx", hold_limit=hold_limit)
            sent = sum(len(piece) for piece in exported.stream())
            return tracemalloc.get_traced_memory()[1], sent
        finally:
            tracemalloc.stop()

    streamed_peak, sent = peak(hold_limit=1)
    held_peak, _ = peak(hold_limit=None)
    assert sent > sum(sizes)
    # One image at a time, plus a fixed allowance (the DEFLATE state for card.json is ~260 KB).
    assert streamed_peak < max(sizes) + FIXED_ALLOWANCE < sum(sizes) / 2
    assert held_peak > sum(sizes)  # held: every image at once


async def test_a_file_changed_before_the_stream_reaches_it_cuts_the_download(ctx: Context) -> None:
    owner = make_user(ctx.db)
    character = await make_full_character(ctx, owner)
    exported = await export_card(ctx, owner, character.id, "charx", hold_limit=1)
    last = list_portraits(ctx, owner, character.id)[-1]
    ctx.storage.put(USER_LIBRARY, last.generation_metadata["storage_path"], b"\x89PNG not the same", "image/png")
    with pytest.raises(StoredFileChanged):
        for _piece in exported.stream():
            pass


async def test_the_card_image_of_a_streamed_png_is_the_primary_portrait(ctx: Context) -> None:
    owner = make_user(ctx.db)
    character = await make_full_character(ctx, owner)
    primary = next(p for p in list_portraits(ctx, owner, character.id) if p.is_primary)
    exported = await export_card(ctx, owner, character.id, "png", hold_limit=1)
    assert exported.streamed
    stored = ctx.storage.get(USER_LIBRARY, primary.generation_metadata["storage_path"])
    assert pixels(exported.data) == pixels(stored)
    portraits.delete_portrait(ctx, owner, primary.id)  # and an edit still reaches the next export
    again = await export_card(ctx, owner, character.id, "png", hold_limit=1)
    assert pixels(again.data) != pixels(stored)

