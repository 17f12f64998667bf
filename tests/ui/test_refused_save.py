"""A refused save says why, at the field (issue 14.4); the studio and /create share one set of rules.

Clearing an existing character's name: the name input shows core's message (Quasar's error slot), the
badge says Error and its tooltip gives the reason, the stored row stays as it was, and typing a name
saves again. A description is bounded by the same maximum in the studio and on /create; the pages say
where they differ (the form's 50-character minimum). /create keeps nothing until Save, says so, and
asks before its own navigation drops unsaved text.
"""

from __future__ import annotations

from typing import Any

from nicegui import ElementFilter, ui
from nicegui.testing import User

from core import characters
from tests.support.factories import DESCRIPTION
from tests.support.pages import character_of, local_account
from tests.support.served_app import running_studio
from tests.support.studio_pages import open_studio
from tests.support.waiting import eventually


def _hidden_too(user: User, kind: type, marker: str) -> Any:
    assert user.client
    with user.client:
        (element,) = ElementFilter(kind=kind, marker=marker, local_scope=False)
    return element


def _one(user: User, marker: str) -> Any:
    (element,) = user.find(marker=marker).elements
    return element


def _stored(character_id: str) -> Any:
    return characters.get_character(running_studio().ctx, local_account(), character_id)


async def test_clearing_the_name_shows_why_at_the_field_and_in_the_badge_and_keeps_the_row(user: User) -> None:
    mine = character_of(local_account(), name="Mira")
    await open_studio(user, f"/studio/{mine.id}")
    name = _one(user, "character-name")
    badge = _hidden_too(user, ui.badge, "save-status")
    tip = _hidden_too(user, ui.tooltip, "save-status-tooltip")
    assert name.error is None and badge.text == "Saved"
    user.find(marker="character-name").clear()
    await eventually(lambda: badge.text == "Error", what="the refused save")
    assert name.error == "Name is required"
    assert name.props["error"] is True and name.props["error-message"] == "Name is required"
    assert "Name is required" in tip.text
    stored = _stored(mine.id)
    assert (stored.name, stored.version) == ("Mira", mine.version)  # the row stays as it was
    user.find(marker="character-name").type("Mira Vale")
    await eventually(lambda: badge.text == "Saved", what="the fixed name to save")
    assert name.error is None and _stored(mine.id).name == "Mira Vale"
    assert "Name is required" not in tip.text


async def test_a_description_over_the_common_maximum_is_refused_at_the_field_in_the_studio(user: User) -> None:
    mine = character_of(local_account(), name="Mira")
    await open_studio(user, f"/studio/{mine.id}")
    description = _one(user, "character-description")
    badge = _hidden_too(user, ui.badge, "save-status")
    user.find(marker="character-description").clear().type("x" * 20_001)
    await eventually(lambda: badge.text == "Error", what="the refused save")
    assert description.error == "Description must be at most 20,000 characters (got 20,001)"
    assert _stored(mine.id).description == DESCRIPTION
    await user.should_see("20,001 / 20,000 · too long to save")


async def test_the_studio_and_the_form_take_the_same_2000_character_description(user: User) -> None:
    """What the studio saves, /create saves too; the studio's counter names the form's extra minimum."""
    long_text = "A keeper of lights. " * 100  # 2,000 characters
    mine = character_of(local_account(), name="Mira")
    await open_studio(user, f"/studio/{mine.id}")
    user.find(marker="character-description").clear()
    await user.should_see("0 / 20,000 · saves at any length; the create form asks for 50+")
    user.find(marker="character-description").type(long_text)
    badge = _hidden_too(user, ui.badge, "save-status")
    await eventually(lambda: badge.text == "Saved" and _stored(mine.id).description == long_text.strip(),
                     what="the studio's save")
    await user.open("/create")
    user.find(marker="character-name").type("Tomas")
    user.find(marker="character-description").type(long_text)
    user.find(marker="save-button").click()
    await eventually(lambda: len(characters.list_characters(running_studio().ctx, local_account())) == 2,
                     what="the form's save")
    (created,) = [c for c in characters.list_characters(running_studio().ctx, local_account()) if c.name == "Tomas"]
    assert created.description == long_text.strip()


async def test_the_form_says_it_saves_only_on_save_and_asks_before_back(user: User) -> None:
    await user.open("/create")
    await user.should_see("This form saves only when you press Save")
    user.find(marker="character-name").type("Half a thought")
    await user.should_see("Unsaved changes · kept only when you press Save")
    user.find(kind=ui.button, content="arrow_back").click()
    await user.should_see("Leave without saving?")
    (dialog,) = user.find(kind=ui.dialog, marker="leave-confirm").elements
    user.find(kind=ui.button, content="Stay").click()
    await eventually(lambda: not dialog.value, what="the question to close")
    assert user.back_history[-1] == "/create" and _one(user, "character-name").value == "Half a thought"
    user.find(kind=ui.button, content="arrow_back").click()
    await eventually(lambda: dialog.value, what="the question again")
    user.find(kind=ui.button, content="Save first").click()  # the form's strict rules: refused, so it stays
    await user.should_see("Description must be at least 50 characters (got 0)")
    assert user.back_history[-1] == "/create"
    assert characters.list_characters(running_studio().ctx, local_account()) == []
    user.find(kind=ui.button, content="arrow_back").click()
    await eventually(lambda: dialog.value, what="the question a third time")
    user.find(kind=ui.button, content="Leave").click()
    await eventually(lambda: user.back_history[-1] == "/", what="home")
    assert characters.list_characters(running_studio().ctx, local_account()) == []
