"""The preview page: the character as others see it; private ones only for their owner."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from core import scenes
from tests.support.pages import account, character_of, local_account, sign_in_through_form
from tests.support.served_app import running_studio


async def test_owner_sees_everything_others_would(user: User) -> None:
    mine = character_of(local_account(), name="Mira", appearance_tags=["silver hair"], clothing_tags=["long coat"],
                        first_message="Hello, traveller.", alternate_greetings=["Back again?"])
    scenes.create_scene(running_studio().ctx, local_account(), mine.id,
                        {"scene_name": "Harbour at dawn", "scene_description": "Fog over the water."})
    await user.open(f"/character/{mine.id}")
    await user.should_see("Mira")
    await user.should_see("A wandering cartographer")
    await user.should_see(marker="preview-placeholder")
    for text in ("silver hair", "long coat", "Hello, traveller.", "Back again?", "Alternate greeting 1",
                 "Harbour at dawn", "Fog over the water.", "Private"):
        await user.should_see(text)


async def test_unknown_id_is_not_found(user: User) -> None:
    await user.open("/character/does-not-exist")
    await user.should_see("Character not found")


@pytest.mark.usefixtures("password_auth")
async def test_public_character_is_visible_to_another_signed_in_user(user: User) -> None:
    owner = account("owner@example.com")
    shared = character_of(owner, name="Shared Sela", is_public=True)
    account("viewer@example.com")
    await sign_in_through_form(user, "viewer@example.com")
    await user.open(f"/character/{shared.id}")
    await user.should_see("Shared Sela")
    await user.should_see("Public")
    await user.should_not_see("Open in studio")  # not the viewer's to edit


@pytest.mark.usefixtures("password_auth")
async def test_private_character_of_another_user_is_not_found(user: User) -> None:
    owner = account("owner@example.com")
    hidden = character_of(owner, name="Hidden Hale")
    account("viewer@example.com")
    await sign_in_through_form(user, "viewer@example.com")
    await user.open(f"/character/{hidden.id}")
    await user.should_see("Character not found")
    await user.should_not_see("Hidden Hale")


@pytest.mark.usefixtures("password_auth")
async def test_unsigned_visitor_is_sent_to_login(user: User) -> None:
    shared = character_of(account("owner@example.com"), name="Shared", is_public=True)
    await user.open(f"/character/{shared.id}")
    await user.should_see("Sign in")
    await user.should_not_see("Shared")
