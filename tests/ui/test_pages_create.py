"""The CreateCharacter form: strict inline validation, create, edit with versions, generation."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from core import characters
from tests.support.factories import DESCRIPTION
from tests.support.pages import SLOW, account, character_of, eventually, local_account, sign_in_through_form
from tests.support.served_app import running_studio


def _own() -> list:  # type: ignore[type-arg]
    return characters.list_characters(running_studio().ctx, local_account())


async def test_missing_name_and_short_description_show_under_their_fields(user: User) -> None:
    await user.open("/create")
    await user.should_see("Create Character")
    user.find(marker="character-description").type("Too short.")
    await user.should_see("10 / 20,000 · at least 50")
    user.find(marker="save-button").click()
    await user.should_see("Name is required")
    await user.should_see("Description must be at least 50 characters (got 10)")
    assert _own() == []
    # nothing typed is lost: the description is still in its field
    await user.should_see("Too short.")


async def test_valid_form_creates_the_character_and_opens_its_edit_url(user: User) -> None:
    await user.open("/create")
    user.find(marker="character-name").type("Mira Vale")
    user.find(marker="character-description").type(DESCRIPTION)
    user.find(marker="appearance-tags-input").type("silver hair").trigger("keydown.enter")
    user.find(marker="clothing-tags-input").type("long coat").trigger("keydown.enter")
    user.find(marker="first-message").type("Hello, traveller.")
    user.find(marker="add-greeting").click()
    await user.should_see(marker="greeting-1")
    user.find(marker="greeting-1").type("Back again?")
    user.find(marker="save-button").click()
    await eventually(lambda: len(_own()) == 1)
    [row] = _own()
    await eventually(lambda: user.back_history[-1] == f"/create/{row.id}")
    await user.should_see("Edit Character")
    assert (row.name, row.description) == ("Mira Vale", DESCRIPTION)
    assert row.appearance_tags == ["silver hair"] and row.clothing_tags == ["long coat"]
    assert row.first_message == "Hello, traveller." and row.alternate_greetings == ["Back again?"]
    await user.should_see("Mira Vale")
    await user.should_see("Back again?")


async def test_edit_page_loads_and_saves_with_the_version(user: User) -> None:
    mine = character_of(local_account(), name="Mira", alternate_greetings=["One", "Two"])
    await user.open(f"/create/{mine.id}")
    await user.should_see("Edit Character")
    await user.should_see("Mira")
    await user.should_see("Two")
    user.find(marker="character-name").type(" Vale")
    user.find(marker="remove-greeting").click()  # the first greeting
    await user.should_not_see("One")
    user.find(marker="save-button").click()
    await user.should_see("Character saved", retries=SLOW)
    row = characters.get_character(running_studio().ctx, local_account(), mine.id)
    assert row.name == "Mira Vale"
    assert row.alternate_greetings == ["Two"]
    assert row.version == mine.version + 1


async def test_edit_refuses_a_description_the_form_rules_reject(user: User) -> None:
    mine = character_of(local_account(), name="Mira")
    await user.open(f"/create/{mine.id}")
    user.find(marker="character-description").clear().type("Short now.")
    user.find(marker="save-button").click()
    await user.should_see("Description must be at least 50 characters (got 10)")
    assert characters.get_character(running_studio().ctx, local_account(), mine.id).description == DESCRIPTION


async def test_conflict_offers_reload_or_overwrite(user: User) -> None:
    ctx, me = running_studio().ctx, local_account()
    mine = character_of(me, name="Mira")
    await user.open(f"/create/{mine.id}")
    await user.should_see("Edit Character")
    characters.update_character(ctx, me, mine.id, {"name": "Changed elsewhere"}, mine.version)
    user.find(marker="character-name").clear().type("Mine")
    user.find(marker="save-button").click()
    await user.should_see("This character was changed elsewhere since you opened it.", retries=SLOW)
    assert characters.get_character(ctx, me, mine.id).name == "Changed elsewhere"
    await user.should_see("Mine")  # the person's text is kept
    user.find(marker="overwrite").click()
    await user.should_not_see(marker="conflict-banner", retries=SLOW)
    assert characters.get_character(ctx, me, mine.id).name == "Mine"


async def test_generate_on_a_new_form_creates_it_strictly_then_shows_the_portrait(user: User) -> None:
    await user.open("/create")
    user.find(marker="generate-portrait").click()
    await user.should_see("Name is required")
    assert _own() == []
    user.find(marker="character-name").type("Mira")
    user.find(marker="character-description").type(DESCRIPTION)
    user.find(marker="generate-portrait").click()
    await user.should_see(marker="portrait-preview", retries=150)
    [row] = _own()
    assert row.image_url
    await user.should_see("Edit Character")  # created on the way, so the form now edits it


@pytest.mark.usefixtures("password_auth")
async def test_another_users_character_is_not_found(user: User) -> None:
    owner = account("owner@example.com")
    private = character_of(owner, name="Hidden Hale")
    public = character_of(owner, name="Shared Sela", is_public=True)
    account("viewer@example.com")
    await sign_in_through_form(user, "viewer@example.com")
    for target in (private, public):  # this page edits, so public is not enough
        await user.open(f"/create/{target.id}")
        await user.should_see("Character not found")
        await user.should_not_see(target.name)
