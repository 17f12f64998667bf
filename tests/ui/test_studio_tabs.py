"""Two tabs on one character: saves reach the other tab without clobbering its unsaved edits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui.testing import User

from core import auth, characters
from tests.support.factories import DESCRIPTION
from tests.support.served_app import running_studio
from tests.support.studio_pages import field_value, open_studio
from tests.support.waiting import eventually


async def _two_tabs_on_one_character(first: User, second: User) -> tuple[Any, Any, Any]:
    ctx = running_studio().ctx
    owner = auth.local_user(ctx.db)
    character = characters.create_character(ctx, owner, {"name": "Mira", "description": DESCRIPTION})
    await open_studio(first, f"/studio/{character.id}")
    await open_studio(second, f"/studio/{character.id}")
    return ctx, owner, character



async def test_a_save_in_one_tab_reaches_the_other_without_clobbering_it(
        create_user: Callable[[], User]) -> None:
    first, second = create_user(), create_user()
    ctx, owner, character = await _two_tabs_on_one_character(first, second)
    second.find(marker="character-description").clear().type("My own unsaved description, " + "x" * 40)
    first.find(marker="character-name").clear().type("Mira Vale")
    await eventually(lambda: characters.get_character(ctx, owner, character.id).name == "Mira Vale",
                     what="the first tab's auto-save")
    await eventually(lambda: field_value(second, "character-name") == "Mira Vale", what="the name in the second tab")
    assert field_value(second, "character-description").startswith("My own unsaved description")
    await eventually(lambda: characters.get_character(ctx, owner, character.id).description.startswith("My own"),
                     what="the second tab's own save")
    stored = characters.get_character(ctx, owner, character.id)
    assert stored.name == "Mira Vale"


async def test_both_tabs_editing_one_field_gives_a_conflict_that_keeps_the_text(
        create_user: Callable[[], User]) -> None:
    first, second = create_user(), create_user()
    ctx, owner, character = await _two_tabs_on_one_character(first, second)
    first.find(marker="character-name").clear().type("From tab one")
    second.find(marker="character-name").clear().type("From tab two")
    await eventually(lambda: _has(first, "Conflict") or _has(second, "Conflict"), within=10,
                     what="one tab to report the conflict")
    loser = first if _has(first, "Conflict") else second
    kept = "From tab one" if loser is first else "From tab two"
    assert field_value(loser, "character-name") == kept  # the person's text survives
    loser.find("Overwrite").click()
    await eventually(lambda: characters.get_character(ctx, owner, character.id).name == kept, within=10,
                     what="the overwrite to land")


def _has(user: User, text: str) -> bool:
    try:
        user.find(text)
    except AssertionError:
        return False
    return True
