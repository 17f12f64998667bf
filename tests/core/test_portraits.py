"""Portraits: first is primary, gallery order, set primary under concurrency, delete, reorder."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlmodel import col, select

from core import portraits
from core.characters import get_character
from core.context import Context
from core.errors import ValidationError
from core.events import Event, EventType
from core.models import CharacterPortrait
from storage.base import USER_LIBRARY
from tests.support.factories import make_character, make_user


def _add(ctx: Context, user, character_id: str, n: int) -> list[CharacterPortrait]:  # type: ignore[no-untyped-def]
    return [portraits.add_portrait(ctx, user, character_id, image_url=f"/p{i}.png") for i in range(n)]


def _primaries(ctx: Context, character_id: str) -> list[str]:
    with ctx.db.read() as session:
        return list(session.exec(select(CharacterPortrait.id).where(
            CharacterPortrait.character_id == character_id, col(CharacterPortrait.is_primary))))


async def test_first_portrait_is_primary_and_sets_the_avatar(ctx: Context) -> None:
    user = make_user(ctx.db)
    character = make_character(ctx, user)
    first, second = _add(ctx, user, character.id, 2)
    assert first.is_primary and first.sort_order == 0
    assert not second.is_primary and second.sort_order == 1
    assert get_character(ctx, user, character.id).image_url == "/p0.png"


async def test_add_publishes_portrait_inserted(ctx: Context) -> None:
    user = make_user(ctx.db)
    character = make_character(ctx, user)
    got: asyncio.Queue[Event] = asyncio.Queue()
    ctx.events.subscribe(character.id, got.put_nowait)
    portrait = _add(ctx, user, character.id, 1)[0]
    events = [await asyncio.wait_for(got.get(), 1) for _ in range(2)]
    inserted = [e for e in events if e.type == EventType.PORTRAIT_INSERTED]
    assert inserted and inserted[0].data["id"] == portrait.id and inserted[0].data["is_primary"]


async def test_list_is_paged_in_sort_order(ctx: Context) -> None:
    user = make_user(ctx.db)
    character = make_character(ctx, user)
    added = _add(ctx, user, character.id, 5)
    page1 = portraits.list_portraits(ctx, user, character.id, limit=2)
    page2 = portraits.list_portraits(ctx, user, character.id, limit=2, offset=2)
    assert [p.id for p in page1 + page2] == [p.id for p in added[::-1][:4]]  # newest first
    assert portraits.count_portraits(ctx, user, character.id) == 5


async def test_set_primary_moves_the_star_and_the_avatar(ctx: Context) -> None:
    user = make_user(ctx.db)
    character = make_character(ctx, user)
    first, second = _add(ctx, user, character.id, 2)
    portraits.set_primary(ctx, user, second.id)
    assert _primaries(ctx, character.id) == [second.id]
    assert get_character(ctx, user, character.id).image_url == second.image_url


async def test_twenty_concurrent_set_primary_calls_leave_exactly_one_primary(ctx: Context) -> None:
    user = make_user(ctx.db)
    character = make_character(ctx, user)
    added = _add(ctx, user, character.id, 20)
    barrier = threading.Barrier(20)
    errors: list[BaseException] = []

    def race(portrait_id: str) -> None:
        barrier.wait()
        try:
            portraits.set_primary(ctx, user, portrait_id)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=race, args=(p.id,)) for p in added]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    primaries = _primaries(ctx, character.id)
    assert len(primaries) == 1
    winner = next(p for p in added if p.id == primaries[0])
    assert get_character(ctx, user, character.id).image_url == winner.image_url


async def test_deleting_the_primary_promotes_the_next_and_the_avatar_follows(ctx: Context) -> None:
    user = make_user(ctx.db)
    character = make_character(ctx, user)
    first, second, third = _add(ctx, user, character.id, 3)
    promoted = portraits.delete_portrait(ctx, user, first.id)
    assert promoted is not None and promoted.id == third.id  # the first in gallery order: the newest
    assert _primaries(ctx, character.id) == [third.id]
    assert get_character(ctx, user, character.id).image_url == third.image_url
    assert portraits.delete_portrait(ctx, user, second.id) is None
    portraits.delete_portrait(ctx, user, third.id)
    assert get_character(ctx, user, character.id).image_url is None


async def test_delete_removes_the_stored_image_and_thumbnails(ctx: Context) -> None:
    user = make_user(ctx.db)
    character = make_character(ctx, user)
    base = f"{user.id}/portraits/{character.id}/job"
    for key in (f"{base}.png", f"{base}_256.webp"):
        ctx.storage.put(USER_LIBRARY, key, b"img", "image/png")
    portrait = portraits.add_portrait(ctx, user, character.id, image_url="/a.png", generation_metadata={
        "storage_path": f"{base}.png", "thumbnail_paths": {"256": f"{base}_256.webp"}})
    portraits.delete_portrait(ctx, user, portrait.id)
    assert not ctx.storage.exists(USER_LIBRARY, f"{base}.png")
    assert not ctx.storage.exists(USER_LIBRARY, f"{base}_256.webp")


async def test_reorder_sets_sort_order_and_refuses_foreign_ids(ctx: Context) -> None:
    user = make_user(ctx.db)
    character, other = make_character(ctx, user), make_character(ctx, user, name="Other")
    a, b, c = _add(ctx, user, character.id, 3)
    foreign = _add(ctx, user, other.id, 1)[0]
    portraits.reorder_portraits(ctx, user, character.id, [a.id, c.id, b.id])
    assert [p.id for p in portraits.list_portraits(ctx, user, character.id)] == [a.id, c.id, b.id]
    with pytest.raises(ValidationError, match="do not belong"):
        portraits.reorder_portraits(ctx, user, character.id, [foreign.id, a.id])
    with pytest.raises(ValidationError, match="only once"):
        portraits.reorder_portraits(ctx, user, character.id, [a.id, a.id])
    assert [p.id for p in portraits.list_portraits(ctx, user, character.id)] == [a.id, c.id, b.id]


async def test_add_portrait_requires_an_image_url(ctx: Context) -> None:
    user = make_user(ctx.db)
    character = make_character(ctx, user)
    with pytest.raises(ValidationError, match="image URL"):
        portraits.add_portrait(ctx, user, character.id, image_url="")
