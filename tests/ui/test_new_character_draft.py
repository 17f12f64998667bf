"""A new character in the studio is kept from the moment it has a name (issue 14.1, 14.7).

Typing a name creates one private draft (once per tab, however many edits or clicks arrive), the URL
becomes ``/studio/{id}``, the badge shows from the first keystroke and the switcher names the draft;
later edits save after the pause like any other. A name cleared before the draft was made creates
nothing. Back and the switcher ask before dropping unsaved edits (``leave-confirm``).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from nicegui import ElementFilter, ui
from nicegui.element import Element
from nicegui.testing import User
from nicegui.testing.user_interaction import UserInteraction

from core import characters
from core.models import Character
from tests.support.factories import DESCRIPTION
from tests.support.pages import character_of, local_account
from tests.support.served_app import running_studio
from tests.support.studio_pages import open_studio
from tests.support.waiting import eventually


@pytest.fixture
def slow_autosave(monkeypatch: pytest.MonkeyPatch) -> None:
    """Request before ``user``: an edit stays unsaved while the test looks at the question."""
    monkeypatch.setenv("STUDIO_AUTOSAVE_DELAY_S", "60")


def _own() -> list[Character]:
    return characters.list_characters(running_studio().ctx, local_account())


def _one(user: User, marker: str) -> Any:
    (element,) = user.find(marker=marker).elements
    return element


def _badge(user: User) -> ui.badge:
    """The badge, shown or not (``user.find`` sees only shown elements)."""
    assert user.client
    with user.client:
        (badge,) = ElementFilter(kind=ui.badge, marker="save-status", local_scope=False)
    return badge


def _selector(user: User) -> ui.select:
    (selector,) = [e for e in user.find(kind=ui.select).elements if 'data-testid="character-selector"' in _props(e)]
    assert isinstance(selector, ui.select)
    return selector


def _dialog(user: User) -> ui.dialog:
    (dialog,) = user.find(kind=ui.dialog, marker="leave-confirm").elements
    assert isinstance(dialog, ui.dialog)
    return dialog


def _props(element: Element) -> str:
    return " ".join(f'{key}="{value}"' for key, value in element.props.items())


def _back_button(user: User) -> UserInteraction[ui.button]:
    return user.find(kind=ui.button, content="arrow_back")  # the header's back icon


def _replaced_urls(user: User) -> list[str]:
    """Every URL the page puts in the address bar with ``history.replaceState`` (the harness runs no
    JavaScript, so the messages to the browser are read on their way out)."""
    assert user.client
    outbox = user.client.outbox
    urls: list[str] = []
    send = outbox.enqueue_message

    def recording(message_type: str, data: Any, target_id: Any) -> None:
        found = re.fullmatch(r'history\.replaceState\(\{\}, "", "([^"]+)"\);', str(data.get("code", "")))
        if message_type == "run_javascript" and found:
            urls.append(found.group(1))
        send(message_type, data, target_id)

    outbox.enqueue_message = recording  # type: ignore[method-assign]
    return urls


async def test_a_named_new_character_is_a_private_draft_at_once_then_saves_after_the_pause(user: User) -> None:
    await open_studio(user, "/studio")
    urls = _replaced_urls(user)
    badge = _badge(user)
    assert not badge.visible  # nothing typed, nothing to say
    user.find(marker="character-description").type("A lighthouse keeper who")
    assert badge.visible and badge.text == "Unsaved"  # from the first keystroke, before any name
    assert _own() == []  # no name: nothing to keep yet
    user.find(marker="character-name").type("Iris Vale")
    await eventually(lambda: len(_own()) == 1, what="the draft")
    (draft,) = _own()
    assert (draft.name, draft.description, draft.is_public) == ("Iris Vale", "A lighthouse keeper who", False)
    await eventually(lambda: urls == [f"/studio/{draft.id}"], what="the draft's URL")
    await eventually(lambda: badge.text == "Saved", what="the badge to say Saved")
    assert _selector(user).value == draft.id and _selector(user).options[draft.id] == "Iris Vale"
    user.find(marker="character-description").type(" keeps the light burning.")
    await eventually(lambda: badge.text == "Unsaved", within=1, what="Unsaved")
    await eventually(lambda: badge.text == "Saved", what="the auto-save after the pause")
    assert characters.get_character(running_studio().ctx, local_account(), draft.id).description == \
        "A lighthouse keeper who keeps the light burning."
    assert len(_own()) == 1
    user.find(marker="character-name").type(" II")  # the switcher follows renames
    await eventually(lambda: _selector(user).options[draft.id] == "Iris Vale II", what="the switcher to follow")


async def test_a_template_and_a_name_survive_a_reload_without_save(user: User) -> None:
    ctx, owner = running_studio().ctx, local_account()
    await open_studio(user, "/studio")
    user.find(marker="start-from-template").click()
    await user.should_see(marker="template-cozy-barista")
    user.find(marker="template-cozy-barista").click()
    await user.should_not_see(marker="template-selector")
    user.find(marker="character-name").type("Juno")
    await eventually(lambda: len(_own()) == 1 and _badge(user).text == "Saved", what="the draft saved")
    (draft,) = _own()
    await open_studio(user, f"/studio/{draft.id}")  # what a reload opens
    stored = characters.get_character(ctx, owner, draft.id)
    assert stored.name == "Juno" and stored.description and stored.appearance_tags
    assert _one(user, "character-name").value == "Juno"
    assert _one(user, "character-description").value == stored.description


async def test_many_edits_and_a_save_click_while_creating_make_one_row(user: User) -> None:
    await open_studio(user, "/studio")
    name = user.find(marker="character-name")
    for text in ("I", "r", "i", "s"):
        name.type(text)
    user.find(marker="save-button").click()
    user.find(marker="character-description").type(DESCRIPTION)
    await eventually(lambda: len(_own()) == 1, what="the draft")
    await eventually(lambda: _badge(user).text == "Saved", what="every edit saved")
    (draft,) = _own()
    assert (draft.name, draft.description) == ("Iris", DESCRIPTION)  # typed during the create: saved next
    assert len(_own()) == 1


async def test_a_name_cleared_before_the_draft_is_made_creates_nothing(user: User) -> None:
    await open_studio(user, "/studio")
    user.find(marker="character-name").type("Oops").clear()  # in one turn: before the create begins
    user.find(marker="character-description").type("Still thinking about it")
    badge = _badge(user)
    await eventually(lambda: badge.text == "Unsaved", what="the badge")
    assert _own() == []
    assert user.client
    with user.client:
        (tip,) = ElementFilter(kind=ui.tooltip, marker="save-status-tooltip", local_scope=False)
    assert "give the character a name" in tip.text


async def test_back_with_unsaved_edits_asks_and_stay_keeps_them(slow_autosave: None, user: User) -> None:
    ctx, owner = running_studio().ctx, local_account()
    mine = character_of(owner, name="Mira")
    await open_studio(user, f"/studio/{mine.id}")
    user.find(marker="character-name").type(" Vale")
    _back_button(user).click()
    await user.should_see("Leave without saving?")
    assert user.back_history[-1] == f"/studio/{mine.id}"
    user.find(kind=ui.button, content="Stay").click()
    await eventually(lambda: not _dialog(user).value, what="the question to close")
    assert _one(user, "character-name").value == "Mira Vale"
    _back_button(user).click()
    await user.should_see("Leave without saving?")
    user.find(kind=ui.button, content="Save first").click()
    await eventually(lambda: user.back_history[-1] == "/", what="home after saving")
    assert characters.get_character(ctx, owner, mine.id).name == "Mira Vale"


async def test_leave_drops_the_unsaved_edit_and_nothing_is_asked_when_saved(slow_autosave: None,
                                                                             user: User) -> None:
    ctx, owner = running_studio().ctx, local_account()
    mine, other = character_of(owner, name="Mira"), character_of(owner, name="Tomas")
    await open_studio(user, f"/studio/{mine.id}")
    selector = _selector(user)
    await eventually(lambda: other.id in selector.options, what="the switcher's list")
    user.find(marker="character-name").type(" (draft)")
    selector.set_value(other.id)  # the switcher asks too, and Stay puts the current entry back
    await user.should_see("Leave without saving?")
    user.find(kind=ui.button, content="Stay").click()
    await eventually(lambda: selector.value == mine.id, what="the switcher back on Mira")
    assert user.back_history[-1] == f"/studio/{mine.id}"
    _back_button(user).click()
    await user.should_see("Leave without saving?")
    user.find(kind=ui.button, content="Leave").click()
    await eventually(lambda: user.back_history[-1] == "/", what="home")
    assert characters.get_character(ctx, owner, mine.id).name == "Mira"  # dropped, not flushed on close
    await open_studio(user, f"/studio/{mine.id}")
    _back_button(user).click()  # nothing unsaved: straight home
    await eventually(lambda: user.back_history[-2:] == [f"/studio/{mine.id}", "/"], what="home without a question")


def _navigation_is(user: User, kind: str) -> None:
    """What the browser answers when the page asks how it was opened (the harness runs no JavaScript)."""
    user.javascript_rules[re.compile(r".*getEntriesByType\('navigation'\).*")] = lambda _match: kind


async def test_a_reload_before_the_drafts_url_arrived_opens_the_draft(user: User) -> None:
    """The address bar may still say /studio when the person reloads: this tab remembers its draft."""
    await open_studio(user, "/studio")
    user.find(marker="character-name").type("Quick Reloader")
    await eventually(lambda: len(_own()) == 1, what="the draft")
    (draft,) = _own()
    _navigation_is(user, "reload")
    await user.open("/studio")  # the same browser tab, reloaded
    await eventually(lambda: user.back_history[-1] == f"/studio/{draft.id}", what="the draft reopened")
    await user.should_see(marker="studio-ready", retries=100)
    assert _one(user, "character-name").value == "Quick Reloader"


async def test_create_new_after_a_draft_starts_a_blank_character(user: User) -> None:
    await open_studio(user, "/studio")
    user.find(marker="character-name").type("First")
    await eventually(lambda: len(_own()) == 1, what="the draft")
    _navigation_is(user, "navigate")  # "+ Create New", not a reload
    await open_studio(user, "/studio")
    assert user.back_history[-1] == "/studio" and _one(user, "character-name").value == ""
    _navigation_is(user, "reload")  # the remembered draft was used up: a reload now stays blank too
    await open_studio(user, "/studio")
    assert user.back_history[-1] == "/studio" and _one(user, "character-name").value == ""


async def test_a_template_stays_at_hand_once_the_draft_exists_and_saves_like_an_edit(user: User) -> None:
    """Drafts exist from the first letter of the name, so Template must not vanish with it."""
    ctx, owner = running_studio().ctx, local_account()
    await open_studio(user, "/studio")
    user.find(marker="character-name").type("Juno")
    await eventually(lambda: len(_own()) == 1 and _badge(user).text == "Saved", what="the draft saved")
    (draft,) = _own()
    await user.should_see(marker="start-from-template")  # visible, not only present
    user.find(marker="start-from-template").click()
    await user.should_see(marker="template-cozy-barista")
    user.find(marker="template-cozy-barista").click()
    await user.should_see("Template “Cozy Barista” applied")
    await eventually(lambda: characters.get_character(ctx, owner, draft.id).appearance_tags != [],
                     what="the template's fields saved after the pause")
    assert characters.get_character(ctx, owner, draft.id).name == "Juno"  # not a template field
