"""The studio from the keyboard (User harness): what Enter, Space and Ctrl/Cmd+Enter do, and where a
dialog puts the focus. The keys are the page's own listeners (Vue key modifiers, ``.self`` so a key
on a button inside a tile stays that button's); the browser test checks the real key presses."""

from __future__ import annotations

from nicegui import ui
from nicegui.testing import User
from nicegui.testing.user_interaction import UserInteraction

from core import auth, portraits
from core.templates import list_templates
from tests.support.served_app import running_studio
from tests.support.studio_pages import open_studio, own_character
from tests.support.waiting import eventually
from ui.components.activate import ACTIVATE_KEYS
from ui.components.portrait_tile import PortraitTile

CTRL_ENTER = "keydown.enter.ctrl.prevent"
META_ENTER = "keydown.enter.meta.prevent"



def _tile_button(user: User, portrait_id: str) -> ui.element:
    """The tile's picture: the tile's button (the tile itself holds the menu's button beside it)."""
    (tile,) = [t for t in user.find(marker="portrait-tile").elements
               if isinstance(t, PortraitTile) and t.view.id == portrait_id]
    return tile._image  # noqa: SLF001 - the element a key press reaches


async def test_a_tile_is_a_named_button_that_enter_and_space_open(user: User) -> None:
    ctx, owner, character = own_character()
    first = portraits.add_portrait(ctx, owner, character.id, image_url="/a.png", prompt="first take")
    portraits.add_portrait(ctx, owner, character.id, image_url="/b.png", prompt="second take")
    await open_studio(user, f"/studio/{character.id}")
    await eventually(lambda: len(user.find(marker="portrait-tile").elements) == 2, what="the tiles")
    tile = _tile_button(user, first.id)
    assert tile.props["tabindex"] == "0" and tile.props["role"] == "button"
    assert tile.props["aria-label"] == "Open portrait (primary)"  # the first portrait is the primary

    _press(user, tile, ACTIVATE_KEYS)
    await user.should_see(marker="lightbox")
    await user.should_see("first take")
    assert _lightbox_open(user)
    user.find(marker="lightbox-close").click()
    await eventually(lambda: not _lightbox_open(user), what="the lightbox to close")

    _press(user, tile, ACTIVATE_KEYS)
    await eventually(lambda: _lightbox_open(user), what="Space to open the lightbox")
    await user.should_see("first take")


async def test_enter_on_the_add_tile_generates_a_portrait(user: User) -> None:
    ctx, owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    (add_tile,) = user.find(marker="add-portrait-tile").elements
    assert add_tile.props["role"] == "button" and add_tile.props["aria-label"] == "Generate a new portrait"
    _press(user, add_tile, ACTIVATE_KEYS)
    await eventually(lambda: portraits.count_portraits(ctx, owner, character.id) == 1, within=20,
                     what="the portrait the add tile made")
    await user.should_see(marker="portrait-tile", retries=100)


async def test_ctrl_enter_and_cmd_enter_in_the_prompt_generate(user: User) -> None:
    ctx, owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="prompt-input").type("on a rainy pier").trigger(CTRL_ENTER)
    await eventually(lambda: portraits.count_portraits(ctx, owner, character.id) == 1, within=20,
                     what="the portrait Ctrl+Enter started")
    (made,) = portraits.list_portraits(ctx, owner, character.id)
    assert "on a rainy pier" in (made.prompt or "")
    await eventually(lambda: not _generating(user), within=20, what="the first generation to end")
    user.find(marker="prompt-input").trigger(META_ENTER)
    await eventually(lambda: portraits.count_portraits(ctx, owner, character.id) == 2, within=20,
                     what="the portrait Cmd+Enter started")


async def test_enter_on_a_template_card_applies_it_and_the_first_card_takes_the_focus(user: User) -> None:
    ctx = running_studio().ctx
    owner = auth.local_user(ctx.db)
    template = next(t for t in list_templates(ctx.db, owner) if t.slug == "cozy-barista")
    await open_studio(user, "/studio")
    user.find(marker="start-from-template").click()
    await user.should_see(marker="template-button")
    cards = list(user.find(marker="template-button").elements)
    assert sum("data-autofocus" in c.props for c in cards) == 1  # Quasar focuses it on opening
    (card,) = user.find(marker="template-cozy-barista").elements
    assert card.props["role"] == "button" and card.props["aria-label"] == f"Apply the template {template.name}"
    _press(user, card, ACTIVATE_KEYS)
    await user.should_see(template.template_data["description"])
    await user.should_not_see(marker="template-selector")


async def test_dialogs_start_on_their_first_field(user: User) -> None:
    ctx, owner, character = own_character()
    portraits.add_portrait(ctx, owner, character.id, image_url="/a.png")
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="tab-scenes").click()
    user.find(marker="add-scene").click()
    await user.should_see(marker="scene-dialog")
    (name,) = user.find(marker="scene-name").elements
    assert "autofocus" in name.props
    user.find(marker="scene-cancel").click()
    await user.should_not_see(marker="scene-dialog")

    user.find(marker="portrait-image").click()
    await user.should_see(marker="lightbox")
    (close,) = user.find(marker="lightbox-close").elements
    assert "autofocus" in close.props
    user.find(kind=ui.button, content="Delete").click()
    await user.should_see(marker="confirm-message")
    (cancel,) = user.find(marker="confirm-cancel").elements
    assert "autofocus" in cancel.props  # a stray Enter never confirms a deletion
    user.find(marker="confirm-cancel").click()
    await user.should_not_see(marker="confirm-message")
    assert portraits.count_portraits(ctx, owner, character.id) == 1


def _press(user: User, element: ui.element, event: str) -> None:
    """The key on this one element, as its listener receives it (the harness calls the listener of
    that name: key, modifiers and all)."""
    UserInteraction(user, {element}, None).trigger(event)


def _lightbox_open(user: User) -> bool:
    (card,) = user.find(marker="lightbox").elements
    dialog = card.parent_slot.parent if card.parent_slot else None
    assert isinstance(dialog, ui.dialog)
    return bool(dialog.value)


def _generating(user: User) -> bool:
    (button,) = user.find(marker="generate-button").elements
    return not button.enabled
