"""Stored files are signed only for their owner (issue 13, point 8).

User B once obtained working signed URLs for user A's private portrait, thumbnail and reference image
by naming them as a scene's ``image_url``: the scene list re-signed any stored key it found.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from core import portraits, scenes
from core.context import Context
from core.errors import ValidationError
from core.models import CharacterScene
from tests.support.cards import make_full_character
from tests.support.factories import make_character, make_user

WEB = "https://images.example.org/harbour.jpg"


async def test_another_users_stored_images_cannot_be_a_scene_image(ctx: Context) -> None:
    alice, bob = make_user(ctx.db), make_user(ctx.db)
    private = await make_full_character(ctx, alice)
    portrait = portraits.list_portraits(ctx, alice, private.id)[0]
    theirs = [portrait.image_url, portrait.thumbnail_url, private.reference_image_url]
    mine = make_character(ctx, bob)
    scene = scenes.create_scene(ctx, bob, mine.id, {"scene_name": "Mine"})
    for url in [*theirs, WEB]:
        with pytest.raises(ValidationError) as refused:
            scenes.create_scene(ctx, bob, mine.id, {"scene_name": "Stolen", "image_url": url})
        assert "image_url" in refused.value.errors
        with pytest.raises(ValidationError):
            scenes.update_scene(ctx, bob, scene.id, {"image_url": url})
    assert [s.image_url for s in scenes.list_scenes(ctx, bob, mine.id)] == [None]


async def test_a_foreign_key_written_past_the_checks_is_never_signed(ctx: Context) -> None:
    alice, bob = make_user(ctx.db), make_user(ctx.db)
    private = await make_full_character(ctx, alice)
    portrait = portraits.list_portraits(ctx, alice, private.id)[0]
    mine = make_character(ctx, bob)
    scene = scenes.create_scene(ctx, bob, mine.id, {"scene_name": "Mine"})
    with ctx.db.write() as session:  # as a write that bypassed core would leave it
        row = session.exec(select(CharacterScene).where(CharacterScene.id == scene.id)).one()
        row.image_url = portrait.image_url.split("?", 1)[0]
        session.add(row)
    assert [s.image_url for s in scenes.list_scenes(ctx, bob, mine.id)] == [None]


async def test_the_owner_still_gets_fresh_urls_for_their_own_scene_images(ctx: Context) -> None:
    alice = make_user(ctx.db)
    character = await make_full_character(ctx, alice)
    listed = [s for s in scenes.list_scenes(ctx, alice, character.id) if s.image_url]
    assert len(listed) == 1 and "/user-library/" + alice.id in listed[0].image_url
    own = portraits.list_portraits(ctx, alice, character.id)[0].image_url
    updated = scenes.update_scene(ctx, alice, listed[0].id, {"image_url": own})
    assert updated.image_url == own
