"""CHARX members take the CRC-32 recorded when each portrait was stored, so an export reads every
image once and never runs a second pass over its bytes; a record that no longer fits is recomputed."""

from __future__ import annotations

import io
import zipfile
import zlib

from sqlmodel import select

from core.cards.export import export_card
from core.context import Context
from core.models import CharacterPortrait
from core.portraits import list_portraits
from storage.base import USER_LIBRARY
from tests.support.cards import make_full_character
from tests.support.factories import make_user


def _members(data: bytes) -> dict[str, zipfile.ZipInfo]:
    return {info.filename: info for info in zipfile.ZipFile(io.BytesIO(data)).infolist()}


def _set_metadata(ctx: Context, portrait_id: str, **changes: object) -> None:
    with ctx.db.write() as session:
        row = session.exec(select(CharacterPortrait).where(CharacterPortrait.id == portrait_id)).one()
        row.generation_metadata = {**row.generation_metadata, **changes}
        session.add(row)


async def test_stored_portraits_record_their_checksum_and_the_archive_uses_it(ctx: Context) -> None:
    owner = make_user(ctx.db)
    character = await make_full_character(ctx, owner)
    gallery = list_portraits(ctx, owner, character.id)
    for portrait in gallery:
        data = ctx.storage.get(USER_LIBRARY, portrait.generation_metadata["storage_path"])
        assert portrait.generation_metadata["stored_crc32"] == zlib.crc32(data)
        assert portrait.generation_metadata["stored_size"] == len(data)
    exported = await export_card(ctx, owner, character.id, "charx")
    archive = zipfile.ZipFile(io.BytesIO(exported.data))
    assert archive.testzip() is None  # every member's bytes match the CRC in its header
    icons = [info for name, info in _members(exported.data).items() if name.startswith("assets/icon/")]
    assert sorted(info.CRC for info in icons) == sorted(p.generation_metadata["stored_crc32"] for p in gallery)


async def test_a_record_for_other_bytes_is_recomputed_not_trusted(ctx: Context) -> None:
    owner = make_user(ctx.db)
    character = await make_full_character(ctx, owner)
    first = list_portraits(ctx, owner, character.id)[0]
    _set_metadata(ctx, first.id, stored_crc32=12345, stored_size=7)  # a size that is not the file's
    exported = await export_card(ctx, owner, character.id, "charx")
    assert zipfile.ZipFile(io.BytesIO(exported.data)).testzip() is None
    assert 12345 not in {info.CRC for info in _members(exported.data).values()}


async def test_a_file_changed_after_storing_shows_as_a_crc_error(ctx: Context) -> None:
    owner = make_user(ctx.db)
    character = await make_full_character(ctx, owner)
    first = list_portraits(ctx, owner, character.id)[0]
    key = first.generation_metadata["storage_path"]
    original = ctx.storage.get(USER_LIBRARY, key)
    damaged = original[:-20] + bytes(b ^ 0xFF for b in original[-20:-12]) + original[-12:]  # same length
    ctx.storage.put(USER_LIBRARY, key, damaged, "image/png")
    exported = await export_card(ctx, owner, character.id, "charx")
    bad = zipfile.ZipFile(io.BytesIO(exported.data)).testzip()
    assert bad is not None and bad.startswith("assets/icon/")
