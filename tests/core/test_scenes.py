"""Scenes: create, update, delete, list by priority, validation."""

from __future__ import annotations

import pytest

from core import scenes
from core.context import Context
from core.errors import ValidationError
from tests.support.factories import make_character, make_user


async def test_scenes_are_listed_by_priority_then_age(ctx: Context) -> None:
    user = make_user(ctx.db)
    character = make_character(ctx, user)
    low = scenes.create_scene(ctx, user, character.id, {"scene_name": "Low", "priority": 1})
    high = scenes.create_scene(ctx, user, character.id, {"scene_name": "High", "priority": 5})
    also_low = scenes.create_scene(ctx, user, character.id, {"scene_name": "Low 2", "priority": 1})
    assert [s.id for s in scenes.list_scenes(ctx, user, character.id)] == [high.id, low.id, also_low.id]


async def test_update_and_delete(ctx: Context) -> None:
    user = make_user(ctx.db)
    character = make_character(ctx, user)
    scene = scenes.create_scene(ctx, user, character.id, {"scene_name": "Harbor", "scene_starters": [" Hi ", ""]})
    assert scene.scene_starters == ["Hi"]
    updated = scenes.update_scene(ctx, user, scene.id, {"scene_description": "Foggy dawn", "priority": 3})
    assert updated.scene_description == "Foggy dawn" and updated.priority == 3 and updated.scene_name == "Harbor"
    scenes.delete_scene(ctx, user, scene.id)
    assert scenes.list_scenes(ctx, user, character.id) == []


@pytest.mark.parametrize(("data", "field"), [
    ({"scene_name": ""}, "scene_name"),
    ({"scene_name": "x" * 101}, "scene_name"),
    ({"scene_name": "S", "priority": "high"}, "priority"),
    ({"scene_name": "S", "scene_starters": ["x"] * 21}, "scene_starters"),
    ({"scene_name": "S", "scene_starters": ["x" * 1001]}, "scene_starters"),
    ({"scene_name": "S", "scene_description": "x" * 5001}, "scene_description"),
    ({"scene_name": "S", "mood": "x"}, "mood"),
])
async def test_bad_scene_input_is_refused_and_nothing_is_stored(ctx: Context, data: dict, field: str) -> None:
    user = make_user(ctx.db)
    character = make_character(ctx, user)
    with pytest.raises(ValidationError) as info:
        scenes.create_scene(ctx, user, character.id, data)
    assert field in info.value.errors
    assert scenes.list_scenes(ctx, user, character.id) == []
