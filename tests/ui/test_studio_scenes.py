"""Scenes in the studio (User harness): create with starters, inline errors, edit, delete with confirmation."""

from __future__ import annotations

from nicegui.testing import User

from core import scenes
from tests.support.studio_pages import open_studio, own_character


async def test_create_edit_and_delete_a_scene(user: User) -> None:
    ctx, owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="tab-scenes").click()
    await user.should_see(marker="no-scenes")

    user.find(marker="add-scene").click()
    await user.should_see(marker="scene-dialog")
    user.find(marker="scene-name").type("Rainy harbour")
    user.find(marker="scene-description").type("Night, fog, a lighthouse blinking far away.")
    user.find(marker="scene-starter-add").click()
    user.find(marker="scene-starter").type("You spot her by the pier.")
    user.find(marker="scene-starter-add").click()
    assert len(user.find(marker="scene-starter").elements) == 2
    user.find(marker="scene-starter-remove").click()  # the first row goes, the second (empty) stays
    assert len(user.find(marker="scene-starter").elements) == 1
    user.find(marker="scene-starter").type("Thunder rolls in.")
    user.find("Create").click()
    await user.should_see(marker="scene-card")
    await user.should_not_see(marker="scene-dialog")
    await user.should_see("Rainy harbour")
    (stored,) = scenes.list_scenes(ctx, owner, character.id)
    assert stored.scene_description == "Night, fog, a lighthouse blinking far away."
    assert stored.scene_starters == ["Thunder rolls in."]

    user.find(marker="scene-edit").click()
    await user.should_see(marker="scene-dialog")
    await user.should_see("Thunder rolls in.")  # the dialog shows the stored scene
    user.find(marker="scene-name").clear().type("Stormy harbour")
    user.find("Update").click()
    await user.should_see("Stormy harbour")
    await user.should_not_see("Rainy harbour")
    (stored,) = scenes.list_scenes(ctx, owner, character.id)
    assert stored.scene_name == "Stormy harbour"
    assert stored.scene_starters == ["Thunder rolls in."]

    user.find(marker="scene-delete").click()
    await user.should_see(marker="confirm-message")
    user.find(marker="confirm-ok").click()
    await user.should_not_see(marker="scene-card")
    await user.should_see(marker="no-scenes")
    assert scenes.list_scenes(ctx, owner, character.id) == []


async def test_cancelling_the_delete_keeps_the_scene(user: User) -> None:
    ctx, owner, character = own_character()
    scenes.create_scene(ctx, owner, character.id, {"scene_name": "Library"})
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="tab-scenes").click()  # the Scenes panel is built when first shown
    user.find(marker="scene-delete").click()
    await user.should_see(marker="confirm-cancel")
    user.find(marker="confirm-cancel").click()
    await user.should_not_see(marker="confirm-message")
    await user.should_see(marker="scene-card")
    assert len(scenes.list_scenes(ctx, owner, character.id)) == 1


async def test_a_scene_without_a_name_shows_the_error_under_the_field(user: User) -> None:
    ctx, owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="tab-scenes").click()  # the Scenes panel is built when first shown
    user.find(marker="add-scene").click()
    user.find(marker="scene-description").type("Somewhere nice")
    user.find("Create").click()
    await user.should_see("Scene name is required")
    await user.should_see(marker="scene-dialog")  # still open, text kept
    await user.should_see("Somewhere nice")
    assert scenes.list_scenes(ctx, owner, character.id) == []


async def test_a_scene_made_elsewhere_appears_without_reload(user: User) -> None:
    ctx, owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="tab-scenes").click()  # the Scenes panel is built when first shown
    await user.should_see(marker="no-scenes")
    scenes.create_scene(ctx, owner, character.id, {"scene_name": "Rooftop garden"})  # e.g. another tab
    await user.should_see("Rooftop garden", retries=50)
