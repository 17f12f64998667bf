"""The portrait tile's ⋮ menu in the User harness: delete asks first, and nothing goes wrong on the way."""

from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from core import auth, characters, portraits
from tests.support.factories import DESCRIPTION
from tests.support.served_app import running_studio
from tests.support.studio_pages import open_studio
from tests.support.waiting import eventually


async def test_delete_from_the_menu_asks_then_removes_the_tile_without_an_error(user: User) -> None:
    ctx = running_studio().ctx
    owner = auth.local_user(ctx.db)
    character = characters.create_character(ctx, owner, {"name": "Mira", "description": DESCRIPTION})
    portraits.add_portrait(ctx, owner, character.id, image_url="/a.png")
    await open_studio(user, f"/studio/{character.id}")
    await user.should_see(marker="portrait-tile")
    user.find(marker="portrait-menu").click()
    user.find(marker="portrait-delete").click()
    await user.should_see(marker="confirm-message")
    user.find(marker="confirm-ok").click()
    await eventually(lambda: portraits.count_portraits(ctx, owner, character.id) == 0, what="the deletion")
    await user.should_not_see(marker="portrait-tile")
    await user.should_not_see(marker="confirm-message")
    await user.should_see("Portrait deleted")


async def test_delete_from_the_lightbox_asks_then_removes_the_tile_without_an_error(user: User) -> None:
    ctx = running_studio().ctx
    owner = auth.local_user(ctx.db)
    character = characters.create_character(ctx, owner, {"name": "Mira", "description": DESCRIPTION})
    for name in ("a", "b"):
        portraits.add_portrait(ctx, owner, character.id, image_url=f"/{name}.png", prompt=f"portrait {name}")
    await open_studio(user, f"/studio/{character.id}")
    await eventually(lambda: len(user.find(marker="portrait-tile").elements) == 2, what="the tiles")
    user.find(marker="portrait-image").click()
    await user.should_see("1 of 2")
    user.find(kind=ui.button, content="Delete").click()
    await user.should_see(marker="confirm-message")
    user.find(marker="confirm-ok").click()
    await eventually(lambda: portraits.count_portraits(ctx, owner, character.id) == 1, what="the deletion")
    await eventually(lambda: len(user.find(marker="portrait-tile").elements) == 1, what="the tile to go")
    await user.should_not_see(marker="confirm-message")
