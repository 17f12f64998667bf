"""Knowing where you are in the studio (User harness, issue 14.7): a scene card opens its scene, a
scene's image shows its progress on the card and says when it is ready, downloads carry the
character's name, commas split tags, preset chips show what is applied, an upload error is one
plain sentence."""

from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.element_filter import ElementFilter
from nicegui.testing import User
from nicegui.testing.user_interaction import UserInteraction

from core import characters, portraits, scenes
from tests.support.provider_servers import png_bytes
from tests.support.studio_pages import chips, open_studio, own_character
from tests.support.waiting import eventually
from ui.components.activate import ACTIVATE_KEYS
from ui.components.file_picker import UPLOAD_PATH, FilePicker, failure_message, rejection_message
from ui.components.portrait_tile import PortraitTile


def _dialog_open(user: User, marker: str) -> bool:
    assert user.client
    with user.client:
        cards = list(ElementFilter(marker=marker, local_scope=False))
    return any(isinstance(c.parent_slot.parent, ui.dialog) and c.parent_slot.parent.value
               for c in cards if c.parent_slot is not None)


def _progress_shown(user: User) -> bool:
    """Whether a scene card shows its progress (hidden elements are not among what ``user.find`` sees)."""
    assert user.client
    with user.client:
        return any(e.visible for e in ElementFilter(marker="scene-progress", local_scope=False))


# -- scenes ------------------------------------------------------------------------------------------


async def test_clicking_a_scene_card_or_pressing_enter_on_it_opens_the_scene(user: User) -> None:
    ctx, owner, character = own_character()
    scene = scenes.create_scene(ctx, owner, character.id, {"scene_name": "Rainy harbour",
                                                           "scene_description": "Fog and a lighthouse."})
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="tab-scenes").click()
    await user.should_see(marker="scene-card")
    user.find(marker="scene-open").click()
    await eventually(lambda: _dialog_open(user, "scene-dialog"), what="the scene dialog")
    await user.should_see("Fog and a lighthouse.")
    user.find(marker="scene-cancel").click()
    await eventually(lambda: not _dialog_open(user, "scene-dialog"), what="the dialog to close")

    (picture,) = user.find(marker="scene-open").elements
    assert picture.props["role"] == "button" and picture.props["aria-label"] == "Open the scene Rainy harbour"
    UserInteraction(user, {picture}, None).trigger(ACTIVATE_KEYS)
    await eventually(lambda: _dialog_open(user, "scene-dialog"), what="Enter to open the scene")
    assert scene.id


async def test_a_scene_image_closes_the_dialog_shows_progress_on_its_card_and_says_when_ready(user: User) -> None:
    ctx, owner, character = own_character()
    scene = scenes.create_scene(ctx, owner, character.id, {"scene_name": "Rainy harbour"})
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="tab-scenes").click()
    await user.should_see(marker="scene-card")
    assert not _progress_shown(user)
    user.find(marker="scene-open").click()
    await eventually(lambda: _dialog_open(user, "scene-dialog"), what="the scene dialog")
    user.find(marker="scene-description").type("Fog rolls over the pier.")
    user.find(marker="scene-generate-image").click()
    await eventually(lambda: not _dialog_open(user, "scene-dialog"), what="the dialog to close first")
    # the card is looked up afresh each time: saving the scene redraws the cards
    await eventually(lambda: _progress_shown(user), within=30, what="the card to show the progress")
    await user.should_see("The scene image is ready", retries=200)
    assert not _progress_shown(user)
    stored = scenes.list_scenes(ctx, owner, character.id)[0]
    assert stored.id == scene.id and stored.image_url
    assert stored.scene_description == "Fog rolls over the pier."  # what was typed was saved, not lost
    assert portraits.count_portraits(ctx, owner, character.id) == 0  # a scene image is not a portrait


# -- downloads ---------------------------------------------------------------------------------------


async def test_a_portrait_downloads_under_the_characters_name_and_number(user: User) -> None:
    ctx, owner, character = own_character(name="Iris Vale")
    made = []
    for number in range(3):
        key = f"{owner.id}/portraits/{character.id}/job{number}.png"
        ctx.storage.put("user-library", key, png_bytes(size=4 + number), "image/png")
        made.append(portraits.add_portrait(ctx, owner, character.id,
                                           image_url=ctx.storage.signed_url("user-library", key)))
    await open_studio(user, f"/studio/{character.id}")
    await eventually(lambda: len(user.find(marker="portrait-tile").elements) == 3, what="the tiles")
    (third,) = [t for t in user.find(marker="portrait-tile").elements
                if isinstance(t, PortraitTile) and t.view.id == made[2].id]
    UserInteraction(user, {third._image}, None).trigger(ACTIVATE_KEYS)  # noqa: SLF001 - the tile's button
    await user.should_see(marker="lightbox")
    user.find(kind=ui.button, content="Download").click()
    response = await user.download.next(timeout=5)
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith('attachment; filename="Iris Vale 3.png"')
    assert response.content == png_bytes(size=6)


# -- tags and presets --------------------------------------------------------------------------------



async def test_commas_split_tags_typed_or_pasted(user: User) -> None:
    ctx, owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="appearance-tags-input").type("red hair, green eyes").trigger("keydown.enter")
    await eventually(lambda: chips(user, "appearance-tags") == ["red hair", "green eyes"], what="two tags")
    (field,) = user.find(marker="clothing-tags-input").elements
    field.set_value("long coat,  scarf ,")  # a paste: the whole text arrives at once
    await eventually(lambda: chips(user, "clothing-tags") == ["long coat", "scarf"], what="the pasted tags")
    assert field.value == ""
    await user.should_see("Saved", retries=40)
    stored = characters.get_character(ctx, owner, character.id)
    assert stored.appearance_tags == ["red hair", "green eyes"] and stored.clothing_tags == ["long coat", "scarf"]


async def test_a_refused_part_stays_in_the_input_with_its_reason(user: User) -> None:
    _ctx, _owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    too_long = "x" * 200
    user.find(marker="appearance-tags-input").type(f"freckles, {too_long}").trigger("keydown.enter")
    await eventually(lambda: chips(user, "appearance-tags") == ["freckles"], what="the first tag")
    (field,) = user.find(marker="appearance-tags-input").elements
    assert field.value == too_long and field.error and "at most" in field.error


async def test_a_preset_chip_shows_when_it_is_applied_and_removing_it_removes_its_tags(user: User) -> None:
    ctx, owner, character = own_character(appearance_tags=["freckles"])
    await open_studio(user, f"/studio/{character.id}")
    (gothic,) = user.find(marker="appearance-preset-gothic").elements
    assert gothic.props["aria-pressed"] == "false" and "outline" in gothic.props
    user.find(marker="appearance-preset-gothic").click()
    await user.should_see("pale skin", kind=ui.chip)
    assert gothic.props["aria-pressed"] == "true" and "outline" not in gothic.props
    assert gothic.props["icon"] == "check"
    added = [t for t in chips(user, "appearance-tags") if t != "freckles"] + chips(user, "clothing-tags")

    user.find(marker="appearance-tags-input").type("more freckles").trigger("keydown.enter")  # a tag by hand
    user.find(marker="appearance-preset-gothic").click()  # applied: a second click removes it
    await user.should_not_see("pale skin", kind=ui.chip)
    assert gothic.props["aria-pressed"] == "false"
    assert chips(user, "appearance-tags") == ["freckles", "more freckles"]  # the others stay
    assert not any(t in chips(user, "clothing-tags") for t in added)
    await user.should_see("Saved", retries=40)
    stored = characters.get_character(ctx, owner, character.id)
    assert stored.appearance_tags == ["freckles", "more freckles"] and stored.clothing_tags == []


async def test_removing_one_of_a_presets_tags_by_hand_shows_it_as_not_applied(user: User) -> None:
    _ctx, _owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="appearance-preset-gothic").click()
    await user.should_see("pale skin", kind=ui.chip)
    (gothic,) = user.find(marker="appearance-preset-gothic").elements
    assert gothic.props["aria-pressed"] == "true"
    (chip,) = [c for c in user.find(kind=ui.chip, marker="appearance-tags-chip").elements if c.text == "pale skin"]
    chip.set_value(False)  # the chip's ✕
    await eventually(lambda: gothic.props["aria-pressed"] == "false", what="the preset to show as not applied")


# -- upload errors -----------------------------------------------------------------------------------


def test_the_browsers_refusals_read_as_one_sentence() -> None:
    assert rejection_message("max-file-size", 12.3 * 1024 * 1024, 10 * 1024 * 1024, "image/png") == \
        "That file is 12.3 MB; the limit is 10 MB."
    assert rejection_message("accept", 10, 10, "image/png,image/jpeg,image/webp,image/heic,.heic") == \
        "That file is not a PNG, JPEG, WebP or HEIC image."
    assert rejection_message("accept", 10, 10, ".png,.json,.charx") == "That file is not a PNG, JSON or CHARX file."
    assert failure_message({"status": 0, "body": ""}, 10) == \
        "The upload did not reach the server; check the connection and try again."


@pytest.fixture
def small_uploads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_MAX_UPLOAD_BYTES", str(1024 * 1024))


async def test_a_file_over_the_limit_is_refused_in_one_sentence(small_uploads: None, user: User) -> None:
    _ctx, _owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    (picker,) = user.find(marker="prompt-reference-upload").elements
    assert isinstance(picker, FilePicker)
    url = f"{UPLOAD_PATH}/{picker.token}"
    just_over = await user.http_client.post(url, files={"file": ("big.png", bytes(1024 * 1024 + 32 * 1024))})
    assert just_over.status_code == 413  # the upload route's own check
    assert just_over.json()["detail"] == "That file is 1.03 MB; the limit is 1 MB."
    assert failure_message({"status": 413, "body": just_over.text}, picker.max_bytes) == \
        "That file is 1.03 MB; the limit is 1 MB."  # what the page shows when Quasar reports it
    far_over = await user.http_client.post(url, files={"file": ("big.png", bytes(3 * 1024 * 1024))})
    assert far_over.status_code == 413  # the request guard, before the route reads anything
    assert failure_message({"status": 413, "body": far_over.text}, picker.max_bytes) == \
        "That file is larger than the limit of 1 MB."


async def test_a_file_that_is_not_an_image_is_refused_in_one_sentence(user: User) -> None:
    _ctx, _owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    (picker,) = user.find(marker="reference-upload").elements
    assert isinstance(picker, FilePicker)
    response = await user.http_client.post(f"{UPLOAD_PATH}/{picker.token}",
                                           files={"file": ("face.png", b"<html><body>hi</body></html>", "image/png")})
    assert response.status_code == 200
    message = "This file is an HTML page, not an image we accept; upload a PNG, JPEG, WebP, GIF or HEIC image."
    await user.should_see(message)
