"""Every bad card gets a clear error and creates nothing: no character, no portrait, no scene, no file.

Each test counts rows and stored files before and after. The last ones break the import half-way -
storage failing after some files were written, the database failing at commit - and show the files
already written are removed again.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace
from typing import Any

import pytest
from sqlmodel import Session

from core.cards import CardError, CardLimits
from core.cards.importer import import_card
from core.context import Context
from core.models import User
from storage.base import StoredObject
from tests.support.cards import (
    charx_bytes,
    charx_card,
    counts,
    make_full_character,
    picture,
    png_of,
    v2_card,
    v3_card,
    with_text_chunks,
)
from tests.support.factories import make_user


async def _refused(ctx: Context, owner: User, raw: bytes, reason: str, words: str,
                   limits: CardLimits | None = None) -> CardError:
    before = counts(ctx)
    with pytest.raises(CardError) as caught:
        await import_card(ctx, owner, raw, limits=limits)
    assert counts(ctx) == before, "a refused import must leave nothing behind"
    assert caught.value.reason == reason and words in caught.value.message, caught.value.message
    assert caught.value.code == f"card_{reason}" and caught.value.errors == {"file": caught.value.message}
    return caught.value


async def _owner_with_a_character(ctx: Context) -> User:
    owner = make_user(ctx.db)
    await make_full_character(ctx, owner)  # so "nothing changed" is measured against real rows and files
    assert counts(ctx) == {"characters": 1, "portraits": 3, "scenes": 2, "files": 15}
    return owner


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


async def test_png_without_a_card(ctx: Context) -> None:
    owner = await _owner_with_a_character(ctx)
    await _refused(ctx, owner, png_of(picture()), "no_card", "no character card")


async def test_png_with_bad_base64(ctx: Context) -> None:
    owner = await _owner_with_a_character(ctx)
    await _refused(ctx, owner, with_text_chunks(png_of(picture()), ("chara", "eyJuYW1lIjo!!!")), "bad_base64",
                   "'chara' card is not valid base64")


async def test_png_whose_chunk_is_base64_of_something_else(ctx: Context) -> None:
    owner = await _owner_with_a_character(ctx)
    await _refused(ctx, owner, with_text_chunks(png_of(picture()), ("chara", b"\xff\xfe not utf-8")), "bad_json",
                   "not UTF-8")


@pytest.mark.parametrize(("payload", "reason", "words"), [
    ({"title": "My shopping list", "items": ["eggs"]}, "not_a_card", "not a character card"),
    ({"spec": "lorebook_v3", "data": {"entries": []}}, "not_a_card", "lorebook"),
    ([{"name": "A"}], "not_a_card", "a list"),
])
async def test_json_that_is_not_a_card(ctx: Context, payload: Any, reason: str, words: str) -> None:
    owner = await _owner_with_a_character(ctx)
    await _refused(ctx, owner, json.dumps(payload).encode(), reason, words)


async def test_broken_json(ctx: Context) -> None:
    owner = await _owner_with_a_character(ctx)
    await _refused(ctx, owner, b'{"spec": "chara_card_v2", "data": {"name": "A",}}', "bad_json", "line 1")


@pytest.mark.parametrize("name", [None, "", "   "])
async def test_card_missing_name(ctx: Context, name: Any) -> None:
    owner = await _owner_with_a_character(ctx)
    card = v2_card()
    if name is None:
        del card["data"]["name"]
    else:
        card["data"]["name"] = name
    await _refused(ctx, owner, with_text_chunks(png_of(picture()), ("chara", card)), "missing_name", "no name")


async def test_name_longer_than_the_studio_allows(ctx: Context) -> None:
    owner = await _owner_with_a_character(ctx)
    card = {"name": "N" * 51, "description": "x"}
    await _refused(ctx, owner, json.dumps(card).encode(), "field_too_long", "at most 50 characters")


async def test_string_field_over_the_sane_limit(ctx: Context) -> None:
    owner = await _owner_with_a_character(ctx)
    card = v3_card()
    card["data"]["description"] = "x" * (CardLimits().max_string_chars + 1)
    await _refused(ctx, owner, json.dumps(card).encode(), "field_too_long", "data.description is 200,001 characters")


@pytest.mark.parametrize("member", ["../../outside.png", "/abs/icon.png", "assets/icon/../../../x.png"])
async def test_charx_with_unsafe_paths(ctx: Context, member: str) -> None:
    owner = await _owner_with_a_character(ctx)
    raw = _zip({"card.json": json.dumps(charx_card()).encode(), member: png_of(picture())})
    await _refused(ctx, owner, raw, "unsafe_path", member[:20])


async def test_charx_zip_bomb_by_size(ctx: Context) -> None:
    owner = await _owner_with_a_character(ctx)
    raw = _zip({"card.json": json.dumps(charx_card()).encode(), "assets/other/zeros.bin": b"\x00" * 3_000_000})
    assert len(raw) < 30_000  # 3 MB of zeros deflate to a few KB: a ratio of a hundred and more
    await _refused(ctx, owner, raw, "zip_bomb", "without being unpacked",
                   limits=CardLimits(max_zip_uncompressed_bytes=2_000_000))


async def test_charx_zip_bomb_by_member_count(ctx: Context) -> None:
    owner = await _owner_with_a_character(ctx)
    members = {"card.json": json.dumps(charx_card()).encode(), **{f"assets/other/{i}.txt": b"" for i in range(600)}}
    await _refused(ctx, owner, _zip(members), "zip_bomb", "The archive has 601 files")


async def test_charx_asset_that_is_not_an_image(ctx: Context) -> None:
    owner = await _owner_with_a_character(ctx)
    raw, _card = charx_bytes(files={  # the third icon is a text file: the first two already passed the gate
        "assets/icon/images/main.png": png_of(picture(64, 64, 3)),
        "assets/icon/images/side.png": png_of(picture(64, 64, 4)),
        "assets/icon/images/back.webp": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        "assets/emotion/images/happy.png": png_of(picture(48, 48, 6)),
    })
    await _refused(ctx, owner, raw, "not_an_image", "icon 'back' is not an image the studio can use: This file is "
                                                    "an SVG drawing")


async def test_png_card_whose_image_is_damaged(ctx: Context) -> None:
    owner = await _owner_with_a_character(ctx)
    good = with_text_chunks(png_of(picture()), ("chara", v2_card()))
    index = good.find(b"IDAT") + 8
    damaged = good[:index] + bytes(64) + good[index + 64:]
    await _refused(ctx, owner, damaged, "not_an_image", "card image")


async def test_file_over_the_size_limit(ctx: Context) -> None:
    owner = await _owner_with_a_character(ctx)
    raw, _card = charx_bytes()
    await _refused(ctx, owner, raw, "too_large", "a character card may be at most",
                   limits=CardLimits(max_file_bytes=len(raw) - 1))
    ctx.settings.max_upload_bytes = len(raw) // 4 - 1  # the default limits follow the upload setting
    await _refused(ctx, owner, raw, "too_large", "at most")


async def test_empty_file_and_other_formats(ctx: Context) -> None:
    owner = await _owner_with_a_character(ctx)
    await _refused(ctx, owner, b"", "empty", "empty")
    await _refused(ctx, owner, b"\xff\xd8\xff\xe0JFIF" + bytes(100), "unsupported", "a JPEG image")


async def test_too_many_images(ctx: Context) -> None:
    owner = await _owner_with_a_character(ctx)
    raw, _card = charx_bytes()
    await _refused(ctx, owner, raw, "too_many_assets", "holds 4 images", limits=CardLimits(max_image_assets=3))


class _FailingStorage:
    """The real storage, except that the ``fail_at``-th put raises (after earlier ones were written)."""

    def __init__(self, inner: Any, fail_at: int) -> None:
        self.inner, self.fail_at, self.puts = inner, fail_at, 0

    def put(self, bucket: str, key: str, data: bytes, content_type: str) -> StoredObject:
        self.puts += 1
        if self.puts == self.fail_at:
            raise OSError("disk full")
        return self.inner.put(bucket, key, data, content_type)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_storage_failing_half_way_leaves_no_file(ctx: Context) -> None:
    owner = await _owner_with_a_character(ctx)
    raw, _card = charx_bytes()
    flaky = _FailingStorage(ctx.storage, fail_at=7)  # 4 images x 3 files each: fails in the middle
    before = counts(ctx)
    with pytest.raises(OSError, match="disk full"):
        await import_card(replace(ctx, storage=flaky), owner, raw)
    assert flaky.puts >= 7 and counts(ctx) == before


async def test_database_failing_at_commit_leaves_no_row_and_no_file(ctx: Context,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    owner = await _owner_with_a_character(ctx)
    raw, _card = charx_bytes()
    before = counts(ctx)

    def broken_commit(self: Session) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Session, "commit", broken_commit)
    with pytest.raises(RuntimeError, match="went away"):
        await import_card(ctx, owner, raw)
    monkeypatch.undo()
    assert counts(ctx) == before
