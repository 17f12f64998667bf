"""The studio sidebar in the User harness: templates, suggestions, tags, model choice, reference upload."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pillow_heif
from nicegui import ui
from nicegui.testing import User
from PIL import Image

from core import auth, characters
from core.character_rules import TAG_MAX_COUNT
from core.generation.routing import count_i2i_models
from core.reference_images import upload_reference
from core.templates import list_templates
from tests.support.factories import DESCRIPTION
from tests.support.served_app import running_studio
from tests.support.studio_pages import chips, field_value, open_studio, own_character
from tests.support.uploads import upload_through
from tests.support.waiting import eventually


async def _eventually(condition: Callable[[], Any], within: float = 10.0, what: str = "condition") -> None:
    await eventually(condition, within=within, what=what)





async def test_create_from_template_fills_the_form_and_save_stores_it(user: User) -> None:
    ctx = running_studio().ctx
    owner = auth.local_user(ctx.db)
    template = next(t for t in list_templates(ctx.db, owner) if t.slug == "cozy-barista")
    await open_studio(user, "/studio")
    user.find(marker="start-from-template").click()
    await user.should_see(marker="template-button")
    assert len(user.find(marker="template-button").elements) == len(list_templates(ctx.db, owner))
    user.find(marker="template-cozy-barista").click()
    await user.should_see(template.template_data["description"])
    await user.should_not_see(marker="template-selector")  # the dialog closed and is gone
    assert sorted(chips(user, "appearance-tags")) == sorted(template.template_data["appearance_tags"])
    user.find(marker="character-name").type("Juno")
    user.find(marker="save-button").click()
    await user.should_see("Character saved")
    (stored,) = characters.list_characters(ctx, owner)
    assert stored.name == "Juno"
    assert stored.description == template.template_data["description"]
    assert stored.appearance_tags == template.template_data["appearance_tags"]
    assert stored.voice_tone == template.template_data["voice_tone"]


async def test_suggest_proposes_a_description_that_accept_fills_in(user: User) -> None:
    ctx, owner, character = own_character(description="")
    await open_studio(user, f"/studio/{character.id}")
    assert field_value(user, "character-description") == ""
    user.find(marker="suggest-description").click()
    await user.should_see(marker="suggest-proposal")
    (button,) = user.find(marker="suggest-description").elements
    await _eventually(lambda: button.enabled, what="the suggest button to finish")
    (shown,) = user.find(marker="suggest-proposal-value").elements
    suggested = shown.text  # type: ignore[attr-defined]
    assert suggested and field_value(user, "character-description") == ""  # proposed, not written
    user.find(marker="suggest-accept").click()
    assert field_value(user, "character-description") == suggested
    await _eventually(lambda: characters.get_character(ctx, owner, character.id).description == suggested,
                      what="the accepted suggestion to auto-save")


async def test_appearance_tags_add_trim_ignore_duplicates_and_remove(user: User) -> None:
    ctx, owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    tag_input = user.find(marker="appearance-tags-input")
    tag_input.type("  Red   hair ").trigger("keydown.enter")
    await user.should_see("Red hair", kind=ui.chip)
    assert field_value(user, "appearance-tags-input") == ""
    tag_input.type("RED HAIR").trigger("keydown.enter")
    assert sorted(chips(user, "appearance-tags")) == ["Red hair"]
    assert field_value(user, "appearance-tags-input") == ""

    user.find(marker="clothing-tags-input").type("trench coat").trigger("keydown.enter")
    await user.should_see("trench coat", kind=ui.chip)
    await _eventually(lambda: characters.get_character(ctx, owner, character.id).appearance_tags == ["Red hair"]
                      and characters.get_character(ctx, owner, character.id).clothing_tags == ["trench coat"],
                      what="the tags to auto-save")

    # what QChip sends when its "x" is clicked
    user.find(marker="appearance-tags-chip", content="Red hair").trigger("update:modelValue", False)
    await user.should_not_see("Red hair", kind=ui.chip)
    await _eventually(lambda: characters.get_character(ctx, owner, character.id).appearance_tags == [],
                      what="the removal to auto-save")


async def test_a_too_long_tag_shows_the_reason_and_is_not_added(user: User) -> None:
    _ctx, _owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    long_tag = "x" * 41
    user.find(marker="appearance-tags-input").type(long_tag).trigger("keydown.enter")
    await user.should_see("A tag can be at most 40 characters (this one has 41)")
    assert sorted(chips(user, "appearance-tags")) == []
    assert field_value(user, "appearance-tags-input") == long_tag  # kept, so it can be shortened


async def test_one_tag_too_many_shows_the_limit(user: User) -> None:
    full = [f"tag {i}" for i in range(TAG_MAX_COUNT)]
    ctx, owner, character = own_character(appearance_tags=full)
    await open_studio(user, f"/studio/{character.id}")
    assert len(sorted(chips(user, "appearance-tags"))) == TAG_MAX_COUNT
    user.find(marker="appearance-tags-input").type("one more").trigger("keydown.enter")
    await user.should_see(f"At most {TAG_MAX_COUNT} tags")
    assert len(sorted(chips(user, "appearance-tags"))) == TAG_MAX_COUNT
    assert characters.get_character(ctx, owner, character.id).appearance_tags == full


async def test_preset_chip_adds_its_tags(user: User) -> None:
    _ctx, _owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    assert len(user.find(marker="appearance-preset").elements) == 8
    user.find(marker="appearance-preset-gothic").click()
    await user.should_see("pale skin", kind=ui.chip)
    await user.should_see("black lace dress", kind=ui.chip)


async def test_model_selector_lists_the_offline_renderer_and_choice_is_shared(user: User) -> None:
    await open_studio(user, "/studio")
    with user.scope(marker="section-appearance"):
        await user.should_see("Automatic (best available)")
        user.find(marker="model-selector").click()  # opens the options
        await user.should_see("Offline preview renderer · I2I")
        user.find("Offline preview renderer · I2I").click()
    # the prompt bar's selector is bound to the same option
    assert len(user.find(marker="model-selector", content="Offline preview renderer · I2I").elements) == 2


async def test_heic_reference_upload_turns_on_image_match_mode(user: User) -> None:
    ctx, owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    await user.should_not_see(marker="image-match-mode")
    assert await upload_through(user, "reference-upload", "face.heic", _heic_bytes(), "image/heic") == 200
    await user.should_see(marker="image-match-mode", retries=200)
    count = count_i2i_models(ctx.db)
    await user.should_see(f"{count} I2I model{'' if count == 1 else 's'} active")
    stored = characters.get_character(ctx, owner, character.id)
    assert stored.reference_image_url
    assert stored.reference_image_path and stored.reference_image_path.endswith(".png")  # HEIC became PNG
    (preview,) = user.find(marker="reference-preview").elements
    assert preview.source == stored.reference_image_url  # type: ignore[attr-defined]

    user.find(marker="reference-remove").click()
    await user.should_not_see(marker="image-match-mode", retries=50)
    assert characters.get_character(ctx, owner, character.id).reference_image_url is None


async def test_generate_portrait_from_the_sidebar_sets_the_avatar(user: User) -> None:
    ctx, owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    await user.should_not_see(marker="avatar-image")
    user.find(marker="generate-portrait").click()
    await user.should_see(marker="avatar-image", retries=200)
    (avatar,) = user.find(marker="avatar-image").elements
    assert avatar.source == characters.get_character(ctx, owner, character.id).image_url  # type: ignore[attr-defined]


def _heic_bytes() -> bytes:
    pillow_heif.register_heif_opener()
    buffer = io.BytesIO()
    Image.new("RGB", (96, 128), (180, 120, 90)).save(buffer, format="HEIF")
    return buffer.getvalue()


async def test_library_picks_a_stored_image_as_the_reference(user: User) -> None:
    ctx, owner, first = own_character()
    await upload_reference(ctx, owner, first.id, _heic_bytes())
    second = characters.create_character(ctx, owner, {"name": "Juno", "description": DESCRIPTION})
    await open_studio(user, f"/studio/{second.id}")
    user.find(marker="reference-library").click()
    await user.should_see(marker="library-image", retries=50)
    await user.should_see("Reference", kind=ui.label)
    user.find(marker="library-image").click()
    await user.should_see(marker="image-match-mode", retries=50)
    await user.should_not_see(marker="image-picker")
    assert characters.get_character(ctx, owner, second.id).reference_image_url
