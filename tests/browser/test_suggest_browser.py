"""Suggest in a real Chromium (issue 14.2): the field stays as the person left it until Accept.

At the issue's desktop size (1440×900) and on a phone (390×844, touch): Suggest shows a proposal
beside the description (``suggest-proposal``) while the textarea and the stored row keep the
person's text, even across an auto-save of another field; Accept writes it and auto-saves it; the
notification's Undo puts the person's text back; Suggest all opens a review that changes nothing
until a row is accepted. The stored row is read from the app's SQLite file.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from core import characters
from core.models import Character
from tests.support.app_process import StudioApp, wait_until
from tests.support.browser import MakeCharacter, Screenshot

pytestmark = pytest.mark.browser

OWN_TEXT = "Maps coastlines that move with the tides; hums when nervous and never finishes a cup of tea."
SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
SAVE_WAIT_S = 10.0  # the app's auto-save waits 2 s after the last edit


def _stored(app: StudioApp, character_id: str) -> Character:
    return characters.get_character(app.ctx, app.local_user(), character_id)


def _open(page: Page, app: StudioApp, character_id: str, size: str) -> None:
    page.goto(app.url(f"/studio/{character_id}"))
    page.wait_for_function("window.did_handshake === true")
    expect(page.get_by_test_id("studio-ready")).to_be_attached()
    if size == "phone":
        page.get_by_role("tab", name="Details").click()
    expect(page.get_by_test_id("character-description")).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
def test_suggest_leaves_the_field_as_it_was_until_accept(
        studio_app: StudioApp, new_context: Callable[..., BrowserContext], make_character: MakeCharacter,
        screenshot: Screenshot, size: str) -> None:
    character = make_character(description=OWN_TEXT)
    context = new_context(SIZES[size])
    page = context.new_page()
    _open(page, studio_app, character.id, size)
    description = page.get_by_test_id("character-description")
    expect(description).to_have_value(OWN_TEXT)

    page.get_by_test_id("suggest-description").click()
    proposal = page.get_by_test_id("suggest-proposal")
    expect(proposal).to_be_visible()
    expect(proposal.get_by_test_id("suggest-accept")).to_be_visible()
    expect(proposal.get_by_test_id("suggest-refuse")).to_be_visible()
    expect(proposal.get_by_test_id("suggest-retry")).to_be_visible()
    proposed = proposal.get_by_test_id("suggest-proposal-value").inner_text().strip()
    assert proposed and proposed != OWN_TEXT
    expect(description).to_have_value(OWN_TEXT)
    proposal.scroll_into_view_if_needed()
    proposal.get_by_test_id("suggest-proposal-value").hover()  # no tooltip over the proposal in the picture
    screenshot(page, f"suggest-proposal-{size}")

    # an auto-save of another field carries the person's description, not the proposal
    name = page.get_by_test_id("character-name")
    name.fill(f"{character.name} Vale")
    wait_until(lambda: _stored(studio_app, character.id).name == f"{character.name} Vale", SAVE_WAIT_S,
               "the name to auto-save")
    expect(page.get_by_test_id("save-status")).to_have_text("Saved")
    assert _stored(studio_app, character.id).description == OWN_TEXT
    expect(description).to_have_value(OWN_TEXT)

    proposal.get_by_test_id("suggest-accept").click()
    expect(description).to_have_value(proposed)
    expect(page.get_by_test_id("suggest-proposal")).to_have_count(0)
    wait_until(lambda: _stored(studio_app, character.id).description == proposed, SAVE_WAIT_S,
               "the accepted suggestion to auto-save")
    undo = page.get_by_role("button", name="Undo")
    expect(undo).to_be_visible()
    screenshot(page, f"suggest-accepted-{size}")
    undo.click()
    expect(description).to_have_value(OWN_TEXT)
    wait_until(lambda: _stored(studio_app, character.id).description == OWN_TEXT, SAVE_WAIT_S, "the undo to save")


@pytest.mark.parametrize("size", SIZES)
def test_suggest_all_is_a_review_that_changes_nothing_until_accepted(
        studio_app: StudioApp, new_context: Callable[..., BrowserContext], make_character: MakeCharacter,
        screenshot: Screenshot, size: str) -> None:
    character = make_character(description=OWN_TEXT, first_message="*waves* Hello, you.")
    page = new_context(SIZES[size]).new_page()
    _open(page, studio_app, character.id, size)
    page.get_by_test_id("suggest-all").click()
    rows = page.get_by_role("dialog").get_by_test_id("suggest-proposal")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 5
    expect(page.get_by_test_id("character-description")).to_have_value(OWN_TEXT)
    screenshot(page, f"suggest-review-{size}")
    page.get_by_test_id("review-refuse-all").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_test_id("character-description")).to_have_value(OWN_TEXT)
    stored = _stored(studio_app, character.id)
    assert stored.description == OWN_TEXT and stored.first_message == "*waves* Hello, you."

