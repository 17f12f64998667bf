"""The CharacterStudio page in the User harness: open, edit, auto-save, generate, gallery actions."""

from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from core import auth, characters, portraits
from tests.support.factories import DESCRIPTION
from tests.support.served_app import running_studio
from tests.support.studio_pages import open_studio, own_character
from tests.support.waiting import eventually


async def test_new_studio_page_shows_the_form_and_gallery(user: User) -> None:
    await open_studio(user, "/studio")
    await user.should_see("Portraits")
    await user.should_see("No portraits yet")


async def test_another_users_character_is_not_found(user: User) -> None:
    ctx = running_studio().ctx
    other = auth.create_user(ctx.db, "other@example.com", "long enough pw")
    theirs = characters.create_character(ctx, other, {"name": "Theirs", "description": DESCRIPTION})
    await user.open(f"/studio/{theirs.id}")
    await user.should_see("Character not found")



async def test_editing_saves_by_itself_after_the_debounce(user: User) -> None:
    ctx, owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    await user.should_see("Saved")
    user.find(marker="character-name").type(" Vale")
    await user.should_see("Unsaved")
    await user.should_see("Saved", retries=40)
    assert characters.get_character(ctx, owner, character.id).name == "Mira Vale"


async def test_generate_adds_a_primary_tile_and_sets_the_avatar(user: User) -> None:
    ctx, owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="generate-button").click()
    await user.should_see(marker="portrait-tile", retries=100)
    await user.should_see(marker="primary-badge")
    assert characters.get_character(ctx, owner, character.id).image_url


async def test_set_primary_moves_the_star_and_delete_promotes(user: User) -> None:
    ctx, owner, character = own_character()
    first = portraits.add_portrait(ctx, owner, character.id, image_url="/a.png")
    second = portraits.add_portrait(ctx, owner, character.id, image_url="/b.png")
    await open_studio(user, f"/studio/{character.id}")
    await eventually(lambda: _count(user, "portrait-tile") == 2, what="the tiles")
    assert _starred(user) == first.id
    portraits.set_primary(ctx, owner, second.id)  # from elsewhere (another tab, the API): arrives live
    await eventually(lambda: _starred(user) == second.id, what="the star to move")
    portraits.delete_portrait(ctx, owner, second.id)
    await eventually(lambda: len(user.find(marker="portrait-tile").elements) == 1, what="the tile to go")
    await eventually(lambda: _starred(user) == first.id, what="the next portrait to become primary")


def _starred(user: User) -> str | None:
    badges = list(user.find(marker="primary-badge").elements) if _has(user, "primary-badge") else []
    return badges[0].parent_slot.parent.props["data-portrait-id"] if len(badges) == 1 else None


def _count(user: User, marker: str) -> int:
    return len(user.find(marker=marker).elements) if _has(user, marker) else 0


def _has(user: User, marker: str) -> bool:
    try:
        user.find(marker=marker)
    except AssertionError:
        return False
    return True


async def test_the_gallery_shows_48_and_loads_more_on_demand(user: User) -> None:
    ctx, owner, character = own_character()
    for index in range(60):
        portraits.add_portrait(ctx, owner, character.id, image_url=f"/p{index}.png")
    await open_studio(user, f"/studio/{character.id}")
    await eventually(lambda: _count(user, "portrait-tile") == 48, what="the first page of tiles")
    user.find(marker="load-more").click()
    await eventually(lambda: len(user.find(marker="portrait-tile").elements) == 60, what="the next page")
    ids = [t.props["data-portrait-id"] for t in user.find(marker="portrait-tile").elements]
    assert len(set(ids)) == 60


async def test_a_new_order_made_elsewhere_redraws_the_gallery(user: User) -> None:
    ctx, owner, character = own_character()
    added = [portraits.add_portrait(ctx, owner, character.id, image_url=f"/o{i}.png") for i in range(3)]
    await open_studio(user, f"/studio/{character.id}")
    order = [added[0].id, added[2].id, added[1].id]
    portraits.reorder_portraits(ctx, owner, character.id, order)  # e.g. through the API
    await eventually(lambda: _tile_ids(user) == order, what="the tiles in the new order")


def _tile_ids(user: User) -> list[str]:
    if not _has(user, "portrait-tile"):
        return []
    tiles = user.find(marker="portrait-tile").elements
    grid = next(iter(tiles)).parent_slot.parent
    return [child.props["data-portrait-id"] for child in grid.default_slot.children
            if "data-portrait-id" in child.props]


async def test_regenerate_in_the_lightbox_reuses_the_portraits_presets(user: User) -> None:
    ctx, owner, character = own_character()
    portraits.add_portrait(ctx, owner, character.id, image_url="/a.png", prompt="by the window",
                           generation_metadata={"presets": {"pose": "sitting", "expression": "smiling",
                                                            "bogus": "dropped"}})
    await open_studio(user, f"/studio/{character.id}")
    await eventually(lambda: _count(user, "portrait-tile") == 1, what="the tile")
    user.find(marker="portrait-image").click()
    await user.should_see(marker="lightbox")
    user.find(kind=ui.button, content="Regenerate").click()
    await eventually(lambda: portraits.count_portraits(ctx, owner, character.id) == 2, what="the new portrait",
                     within=20)
    newest = portraits.list_portraits(ctx, owner, character.id)[0]
    assert newest.generation_metadata["presets"] == {"pose": "sitting", "expression": "smiling"}


async def test_arrow_keys_step_through_the_lightbox_only_while_it_is_open(user: User) -> None:
    ctx, owner, character = own_character()
    for name in ("a", "b", "c"):
        portraits.add_portrait(ctx, owner, character.id, image_url=f"/{name}.png", prompt=f"portrait {name}")
    await open_studio(user, f"/studio/{character.id}")
    await eventually(lambda: _count(user, "portrait-tile") == 3, what="the tiles")
    user.find(marker="portrait-image").click()  # the lowest id: the first tile
    await user.should_see("1 of 3")
    keyboard = next(iter(user.find(kind=ui.keyboard).elements))
    assert keyboard.active
    user.find(kind=ui.keyboard).trigger("key", _key("ArrowRight"))
    await user.should_see("2 of 3")
    user.find(kind=ui.keyboard).trigger("key", _key("Escape"))
    await eventually(lambda: not keyboard.active, what="the keys to be released when the lightbox closes")


def _key(name: str) -> dict[str, object]:
    """What ``ui.keyboard``'s browser side sends for one key press."""
    return {"action": "keydown", "repeat": False, "altKey": False, "ctrlKey": False, "metaKey": False,
            "shiftKey": False, "key": name, "code": name, "location": 0}
