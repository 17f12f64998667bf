"""Every service function, called by a second user on the first user's character, is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from core import characters, portraits, scenes
from core.context import Context
from core.errors import Forbidden, NotFound
from core.models import User
from tests.support.factories import make_character, make_user

Call = Callable[[Context, User, dict[str, str]], Any]

CALLS: dict[str, Call] = {
    "get_character": lambda c, u, ids: characters.get_character(c, u, ids["character"]),
    "update_character": lambda c, u, ids: characters.update_character(c, u, ids["character"], {"name": "X"}, 1),
    "publish_character": lambda c, u, ids: characters.publish_character(c, u, ids["character"]),
    "duplicate_character": lambda c, u, ids: characters.duplicate_character(c, u, ids["character"]),
    "delete_character": lambda c, u, ids: characters.delete_character(c, u, ids["character"]),
    "list_portraits": lambda c, u, ids: portraits.list_portraits(c, u, ids["character"]),
    "count_portraits": lambda c, u, ids: portraits.count_portraits(c, u, ids["character"]),
    "get_portrait": lambda c, u, ids: portraits.get_portrait(c, u, ids["portrait"]),
    "add_portrait": lambda c, u, ids: portraits.add_portrait(c, u, ids["character"], image_url="/x.png"),
    "set_primary": lambda c, u, ids: portraits.set_primary(c, u, ids["portrait"]),
    "delete_portrait": lambda c, u, ids: portraits.delete_portrait(c, u, ids["portrait"]),
    "reorder_portraits": lambda c, u, ids: portraits.reorder_portraits(c, u, ids["character"], [ids["portrait"]]),
    "list_scenes": lambda c, u, ids: scenes.list_scenes(c, u, ids["character"]),
    "create_scene": lambda c, u, ids: scenes.create_scene(c, u, ids["character"], {"scene_name": "S"}),
    "update_scene": lambda c, u, ids: scenes.update_scene(c, u, ids["scene"], {"scene_name": "S2"}),
    "delete_scene": lambda c, u, ids: scenes.delete_scene(c, u, ids["scene"]),
}
READS = {"get_character", "duplicate_character", "list_portraits", "count_portraits", "get_portrait", "list_scenes"}


def _setup(ctx: Context, public: bool) -> tuple[User, dict[str, str]]:
    owner, intruder = make_user(ctx.db), make_user(ctx.db)
    character = make_character(ctx, owner, is_public=public)
    portrait = portraits.add_portrait(ctx, owner, character.id, image_url="/mine.png")
    scene = scenes.create_scene(ctx, owner, character.id, {"scene_name": "Mine"})
    return intruder, {"character": character.id, "portrait": portrait.id, "scene": scene.id, "owner": owner.id}


def _snapshot(ctx: Context, ids: dict[str, str]) -> tuple[Any, ...]:
    with ctx.db.read() as session:
        from core.models import Character, CharacterPortrait, CharacterScene
        c, p, s = (session.get(Character, ids["character"]), session.get(CharacterPortrait, ids["portrait"]),
                   session.get(CharacterScene, ids["scene"]))
        return (c.model_dump(), p.model_dump(), s.model_dump())  # type: ignore[union-attr]


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_private_character_is_not_found_for_another_user(ctx: Context, name: str) -> None:
    intruder, ids = _setup(ctx, public=False)
    before = _snapshot(ctx, ids)
    with pytest.raises(NotFound):
        CALLS[name](ctx, intruder, ids)
    assert _snapshot(ctx, ids) == before


@pytest.mark.parametrize("name", sorted(set(CALLS) - READS))
async def test_public_character_can_be_read_but_never_written_by_another_user(ctx: Context, name: str) -> None:
    intruder, ids = _setup(ctx, public=True)
    before = _snapshot(ctx, ids)
    with pytest.raises(Forbidden):
        CALLS[name](ctx, intruder, ids)
    assert _snapshot(ctx, ids) == before


@pytest.mark.parametrize("name", sorted(READS - {"duplicate_character"}))
async def test_public_character_reads_succeed_for_another_user(ctx: Context, name: str) -> None:
    intruder, ids = _setup(ctx, public=True)
    CALLS[name](ctx, intruder, ids)


async def test_duplicating_a_public_character_gives_the_reader_their_own_private_copy(ctx: Context) -> None:
    intruder, ids = _setup(ctx, public=True)
    copy = characters.duplicate_character(ctx, intruder, ids["character"])
    assert copy.user_id == intruder.id and not copy.is_public
