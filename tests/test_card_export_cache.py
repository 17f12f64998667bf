"""A repeated export of an unchanged character reuses its card layout: no rows are read and no card
is built, every file is still read; any change made through core shows in the very next export."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from core import characters, portraits, scenes
from core.card_export import export_card
from core.card_export_cache import CachedExport, ExportCache
from core.card_pieces import Span
from core.context import Context
from core.errors import NotFound
from core.events import Event, EventBus, EventType
from core.models import Character, User
from core.reference_images import upload_reference
from storage.base import USER_LIBRARY
from tests.cards_support import add_stored_portrait, card_texts, make_full_character, picture, pixels, png_of
from tests.factories import make_user


@contextmanager
def statements(ctx: Context) -> Iterator[list[str]]:
    """Every SQL statement the engine runs inside the block."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    sa.event.listen(ctx.db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(ctx.db.engine, "before_cursor_execute", record)


def _charx_card(data: bytes) -> dict[str, Any]:
    return json.loads(zipfile.ZipFile(io.BytesIO(data)).read("card.json"))


def _charx_icons(data: bytes) -> list[str]:
    return sorted(n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("assets/icon/"))


@pytest.mark.parametrize("fmt", ["png", "charx", "json"])
async def test_a_repeated_export_reads_no_rows_and_gives_the_same_file(ctx: Context, fmt: str) -> None:
    owner = make_user(ctx.db)
    character = await make_full_character(ctx, owner)
    first = await export_card(ctx, owner, character.id, fmt)
    with statements(ctx) as seen:
        again = await export_card(ctx, owner, character.id, fmt)
    assert seen == []
    assert ctx.exports.hits == 1
    assert again.data == first.data
    assert (again.filename, again.media_type, again.warnings) == (first.filename, first.media_type, first.warnings)
    if fmt == "charx":
        assert zipfile.ZipFile(io.BytesIO(again.data)).testzip() is None


async def test_the_cached_layout_holds_the_files_as_spans_not_their_bytes(ctx: Context) -> None:
    owner = make_user(ctx.db)
    character = await make_full_character(ctx, owner)
    exported = await export_card(ctx, owner, character.id, "charx")
    entry = ctx.exports.get((character.id, "charx", True))
    assert entry is not None
    spans = [piece for piece in entry.pieces if isinstance(piece, Span)]
    assert len(spans) == len(entry.files) == 5  # three portraits, one scene image, the reference
    assert entry.held_bytes + sum(span.stop - span.start for span in spans) == exported.size


async def _edit_name(ctx: Context, owner: User, character: Character) -> None:
    current = characters.get_character(ctx, owner, character.id)
    characters.update_character(ctx, owner, character.id, {"name": "Renamed Rowan"}, current.version)


async def _new_primary(ctx: Context, owner: User, character: Character) -> None:
    gallery = portraits.list_portraits(ctx, owner, character.id)
    portraits.set_primary(ctx, owner, next(p for p in gallery if not p.is_primary).id)


async def _delete_primary(ctx: Context, owner: User, character: Character) -> None:
    gallery = portraits.list_portraits(ctx, owner, character.id)
    portraits.delete_portrait(ctx, owner, next(p for p in gallery if p.is_primary).id)


async def _rewrite_scenes(ctx: Context, owner: User, character: Character) -> None:
    for scene in scenes.list_scenes(ctx, owner, character.id):
        scenes.delete_scene(ctx, owner, scene.id)
    scenes.create_scene(ctx, owner, character.id, {"scene_name": "Attic", "scene_description": "Dust and light.",
                                                   "priority": 9})


async def _new_reference(ctx: Context, owner: User, character: Character) -> None:
    await upload_reference(ctx, owner, character.id, png_of(picture(40, 40, 77)))


def _card_of(data: bytes) -> dict[str, Any]:
    return card_texts(data)["ccv3"]["data"]


CHANGES: dict[str, tuple[Callable[..., Any], Callable[[bytes, bytes], bool]]] = {
    "character edited": (_edit_name, lambda before, after: _card_of(after)["name"] == "Renamed Rowan"),
    "primary changed": (_new_primary, lambda before, after: pixels(after) != pixels(before)),
    "primary deleted": (_delete_primary, lambda before, after: pixels(after) != pixels(before)),
    "scenes rewritten": (_rewrite_scenes, lambda before, after: _card_of(after)["scenario"] == "Dust and light."),
    "reference replaced": (_new_reference, lambda before, after: after != before),
}


@pytest.mark.parametrize("change", list(CHANGES))
async def test_every_change_made_through_core_shows_in_the_next_export(ctx: Context, change: str) -> None:
    owner = make_user(ctx.db)
    character = await make_full_character(ctx, owner)
    before = (await export_card(ctx, owner, character.id, "png")).data
    assert (await export_card(ctx, owner, character.id, "png")).data == before  # cached
    edit, shows = CHANGES[change]
    await edit(ctx, owner, character)
    after = (await export_card(ctx, owner, character.id, "png")).data
    assert shows(before, after)
    fresh = Context(ctx.settings, ctx.db, EventBus(), ctx.storage)  # no cache: what the rows say now
    assert after == (await export_card(fresh, owner, character.id, "png")).data


async def test_a_new_portrait_joins_the_next_archive(ctx: Context) -> None:
    owner = make_user(ctx.db)
    character = await make_full_character(ctx, owner)
    before = _charx_icons((await export_card(ctx, owner, character.id, "charx")).data)
    await add_stored_portrait(ctx, owner, characters.get_character(ctx, owner, character.id), 99)
    after = _charx_icons((await export_card(ctx, owner, character.id, "charx")).data)
    assert len(after) == len(before) + 1


async def test_a_private_character_stays_private_when_its_card_is_cached(ctx: Context) -> None:
    owner, other = make_user(ctx.db), make_user(ctx.db)
    character = await make_full_character(ctx, owner)
    await export_card(ctx, owner, character.id, "json")
    with pytest.raises(NotFound):
        await export_card(ctx, other, character.id, "json")
    characters.publish_character(ctx, owner, character.id, True)
    await export_card(ctx, owner, character.id, "json")
    assert _charx_or_json_name(await export_card(ctx, other, character.id, "json")) == character.name
    characters.publish_character(ctx, owner, character.id, False)
    await export_card(ctx, owner, character.id, "json")
    with pytest.raises(NotFound):
        await export_card(ctx, other, character.id, "json")


def _charx_or_json_name(exported: Any) -> str:
    return json.loads(exported.data)["data"]["name"]


async def test_a_deleted_character_is_not_served_from_the_cache(ctx: Context) -> None:
    owner = make_user(ctx.db)
    character = await make_full_character(ctx, owner)
    await export_card(ctx, owner, character.id, "png")
    characters.delete_character(ctx, owner, character.id)
    with pytest.raises(NotFound):
        await export_card(ctx, owner, character.id, "png")


async def test_a_file_replaced_behind_the_studio_is_rebuilt_around_not_spliced(ctx: Context) -> None:
    owner = make_user(ctx.db)
    character = await make_full_character(ctx, owner)
    primary = next(p for p in portraits.list_portraits(ctx, owner, character.id) if p.is_primary)
    key = primary.generation_metadata["storage_path"]
    await export_card(ctx, owner, character.id, "png")
    replacement = png_of(picture(50, 30, 5))
    ctx.storage.put(USER_LIBRARY, key, replacement, "image/png")
    exported = await export_card(ctx, owner, character.id, "png")
    assert pixels(exported.data) == pixels(replacement)
    assert card_texts(exported.data)["ccv3"]["data"]["name"] == character.name


async def test_a_file_gone_behind_the_studio_gives_the_same_warning_as_a_fresh_export(ctx: Context) -> None:
    owner = make_user(ctx.db)
    character = await make_full_character(ctx, owner)
    await export_card(ctx, owner, character.id, "charx")
    gone = next(p for p in portraits.list_portraits(ctx, owner, character.id) if not p.is_primary)
    ctx.storage.delete(USER_LIBRARY, gone.generation_metadata["storage_path"])
    exported = await export_card(ctx, owner, character.id, "charx")
    assert any(gone.id in warning for warning in exported.warnings)
    assert len(_charx_icons(exported.data)) == 2


def _entry(**changes: Any) -> CachedExport:
    base: dict[str, Any] = {"owner_id": "u", "is_public": False, "filename": "a.png", "pieces": (b"x" * 10,),
                            "files": {}, "warnings": ()}
    return CachedExport(**{**base, **changes})


def test_an_export_that_read_its_rows_before_a_change_is_not_kept() -> None:
    bus = EventBus()
    cache = ExportCache.watching(bus)
    token = cache.token("c1")
    bus.publish(Event(EventType.PORTRAIT_INSERTED, "c1", {"id": "p"}))  # lands while the export builds
    assert cache.put(("c1", "png", True), token, _entry()) is False
    assert cache.get(("c1", "png", True)) is None
    assert cache.put(("c1", "png", True), cache.token("c1"), _entry()) is True


def test_a_job_progress_event_leaves_the_card_cached_and_other_characters_are_untouched() -> None:
    bus = EventBus()
    cache = ExportCache.watching(bus)
    for character_id in ("c1", "c2"):
        cache.put((character_id, "png", True), cache.token(character_id), _entry())
    bus.publish(Event(EventType.JOB_PROGRESS, "c1", {"stage": "queued"}))
    assert cache.get(("c1", "png", True)) is not None
    bus.publish(Event(EventType.SCENE_CHANGED, "c1", {"id": "s"}))
    assert cache.get(("c1", "png", True)) is None
    assert cache.get(("c2", "png", True)) is not None


def test_entries_expire_and_the_cache_stays_within_its_bytes() -> None:
    now = [0.0]
    bus = EventBus()
    cache = ExportCache(max_bytes=25, max_entry_bytes=12, max_age_s=60, clock=lambda: now[0])
    bus.watch(cache.invalidate)
    cache._bus = bus
    assert cache.put(("big", "png", True), cache.token("big"), _entry(pieces=(b"x" * 13,))) is False
    for name in ("a", "b", "c"):
        assert cache.put((name, "png", True), cache.token(name), _entry())
    assert len(cache) == 2 and cache.get(("a", "png", True)) is None  # the oldest made room
    now[0] = 61.0
    assert cache.get(("c", "png", True)) is None


class _Disconnected(EventBus):
    @property
    def sees_all_changes(self) -> bool:
        return False


def test_nothing_is_cached_or_served_while_the_bus_may_miss_changes() -> None:
    cache = ExportCache.watching(_Disconnected())
    assert cache.put(("c1", "png", True), cache.token("c1"), _entry()) is False
    connected = ExportCache.watching(EventBus())
    connected.put(("c1", "png", True), connected.token("c1"), _entry())
    connected.invalidate(None)  # events may have been missed: everything goes
    assert len(connected) == 0
