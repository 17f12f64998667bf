"""Nothing typed is lost, in a real Chromium (issue 14.1): drafts, beforeunload and leave-confirm.

A new character named in the studio survives a reload without pressing Save (read back from the app's
SQLite file and from the reloaded page); the browser's ``beforeunload`` asks only while an edit is
unsaved, and accepting it still saves the edit on the way out (the flush on disconnect); the studio's
Back asks with ``leave-confirm`` at 1440×900 and on a 390×844 phone, and its Leave goes without the
browser asking a second time. Screenshots go to ``tests/artifacts/drafts-*.png``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Dialog, Page, expect

from core import characters
from tests.support.app_process import StudioApp, wait_until
from tests.support.browser import MOBILE, WIDE, MakeCharacter, Screenshot, axe_violations, describe_violations

pytestmark = pytest.mark.browser


def open_studio(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("window.did_handshake === true")
    expect(page.get_by_test_id("studio-ready")).to_be_attached()


def record_dialogs(page: Page, accept: bool = False) -> list[str]:
    """The type of every dialog the page raises ("beforeunload", ...); each is answered at once."""
    seen: list[str] = []

    def answer(dialog: Dialog) -> None:
        seen.append(dialog.type)
        dialog.accept() if accept else dialog.dismiss()

    page.on("dialog", answer)
    return seen


def type_at_end(page: Page, testid: str, text: str) -> None:
    """Type after what the field holds, key by key, as a person would."""
    field = page.get_by_test_id(testid)
    field.click()
    field.press("End")
    field.press_sequentially(text)


def stored_name(app: StudioApp, character_id: str) -> str:
    return characters.get_character(app.ctx, app.local_user(), character_id).name


def test_a_new_character_named_in_the_studio_survives_a_reload_without_save(
        studio_app: StudioApp, new_context: Callable[[dict[str, int]], BrowserContext],
        screenshot: Screenshot) -> None:
    page = new_context(WIDE).new_page()
    dialogs = record_dialogs(page)
    name = f"Iris Draft {uuid.uuid4().hex[:6]}"
    open_studio(page, studio_app.url("/studio"))
    badge = page.get_by_test_id("save-status")
    expect(badge).to_be_hidden()  # nothing typed yet
    page.get_by_test_id("character-name").press_sequentially(name)
    expect(page).to_have_url(re.compile(r"/studio/[0-9a-f-]{8,}$"))
    character_id = page.url.rsplit("/", 1)[1]
    expect(badge).to_have_text("Saved")
    page.get_by_test_id("character-description").press_sequentially("Keeps the lighthouse on the north cape.")
    expect(badge).to_have_text("Unsaved")
    expect(badge).to_have_text("Saved", timeout=8_000)  # the 2-second auto-save after the pause
    expect(page.get_by_test_id("character-selector")).to_contain_text(name)
    screenshot(page, "drafts-new-character-saved-1440")
    page.reload()
    expect(page.get_by_test_id("studio-ready")).to_be_attached()
    expect(page.get_by_test_id("character-name")).to_have_value(name)
    expect(page.get_by_test_id("character-description")).to_have_value("Keeps the lighthouse on the north cape.")
    assert dialogs == []  # everything was saved: the reload asked nothing
    (row,) = characters.list_characters(studio_app.ctx, studio_app.local_user(), search=name)
    assert row.id == character_id and not row.is_public


def test_a_reload_right_after_typing_the_name_still_opens_the_draft(
        studio_app: StudioApp, new_context: Callable[[dict[str, int]], BrowserContext]) -> None:
    """No waiting for the badge: the reload may beat the draft's URL to the address bar."""
    page = new_context(WIDE).new_page()
    record_dialogs(page, accept=True)  # the browser may ask (the edit is unsaved): the person reloads anyway
    name = f"Quick {uuid.uuid4().hex[:6]}"
    open_studio(page, studio_app.url("/studio"))
    page.get_by_test_id("character-name").fill(name)
    page.reload()
    expect(page).to_have_url(re.compile(r"/studio/[0-9a-f-]{8,}$"))
    expect(page.get_by_test_id("studio-ready")).to_be_attached()
    expect(page.get_by_test_id("character-name")).to_have_value(name)
    (row,) = characters.list_characters(studio_app.ctx, studio_app.local_user(), search=name)
    assert page.url.endswith(f"/studio/{row.id}")


def test_beforeunload_asks_only_while_an_edit_is_unsaved(
        studio_app: StudioApp, new_context: Callable[[dict[str, int]], BrowserContext],
        make_character: MakeCharacter) -> None:
    mine = make_character()
    page = new_context(WIDE).new_page()
    open_studio(page, studio_app.url(f"/studio/{mine.id}"))
    dismissed = record_dialogs(page)
    badge = page.get_by_test_id("save-status")
    type_at_end(page, "character-name", " Vale")
    expect(badge).to_have_text("Unsaved")
    with page.expect_event("dialog", timeout=5_000):
        page.close(run_before_unload=True)  # the tab's close button: the browser asks, we stay
    assert dismissed == ["beforeunload"] and not page.is_closed()
    expect(badge).to_have_text("Saved", timeout=8_000)
    page.reload()  # saved: nothing to ask
    expect(page.get_by_test_id("studio-ready")).to_be_attached()
    assert dismissed == ["beforeunload"]
    assert stored_name(studio_app, mine.id) == f"{mine.name} Vale"

    closing = new_context(WIDE).new_page()  # accepting the question still saves on the way out
    open_studio(closing, studio_app.url(f"/studio/{mine.id}"))
    accepted = record_dialogs(closing, accept=True)
    type_at_end(closing, "character-name", " II")
    expect(closing.get_by_test_id("save-status")).to_have_text("Unsaved")
    with closing.expect_event("close", timeout=5_000):
        closing.close(run_before_unload=True)
    assert accepted == ["beforeunload"]
    wait_until(lambda: stored_name(studio_app, mine.id) == f"{mine.name} Vale II", timeout=10,
               what="the flush when the tab closed")


@pytest.mark.parametrize(("viewport", "label"), [(WIDE, "1440"), (MOBILE, "390")])
def test_back_with_unsaved_edits_asks_with_leave_confirm(
        studio_app: StudioApp, new_context: Callable[[dict[str, int]], BrowserContext],
        make_character: MakeCharacter, screenshot: Screenshot, viewport: dict[str, int], label: str) -> None:
    mine = make_character()
    page = new_context(viewport).new_page()
    dialogs = record_dialogs(page)
    open_studio(page, studio_app.url(f"/studio/{mine.id}"))
    if viewport is MOBILE:
        page.get_by_role("tab", name="Details").click()
    type_at_end(page, "character-name", " (unsaved)")
    page.get_by_role("button", name="Back to your characters").click()
    confirm = page.get_by_test_id("leave-confirm")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("Leave without saving?")
    screenshot(page, f"drafts-leave-confirm-{label}")
    blocking = axe_violations(page)
    assert not blocking, describe_violations(f"leave-confirm {label}", blocking)
    confirm.get_by_role("button", name="Stay", exact=True).click()
    expect(confirm).to_be_hidden()
    expect(page.get_by_test_id("character-name")).to_have_value(f"{mine.name} (unsaved)")
    assert page.url.endswith(f"/studio/{mine.id}")
    page.get_by_role("button", name="Back to your characters").click()
    confirm.get_by_role("button", name="Leave", exact=True).click()
    expect(page).to_have_url(studio_app.url("/"))
    assert dialogs == []  # the page's own question was enough: the browser did not ask again
    assert stored_name(studio_app, mine.id) == mine.name  # left without saving: the edit was dropped


def test_a_refused_save_says_why_at_the_field_and_in_the_badge(
        studio_app: StudioApp, new_context: Callable[[dict[str, int]], BrowserContext],
        make_character: MakeCharacter, screenshot: Screenshot) -> None:
    mine = make_character()
    page = new_context(WIDE).new_page()
    open_studio(page, studio_app.url(f"/studio/{mine.id}"))
    page.get_by_test_id("character-name").fill("")
    badge = page.get_by_test_id("save-status")
    expect(badge).to_have_text("Error", timeout=8_000)
    expect(page.get_by_text("Name is required", exact=True)).to_be_visible()  # under the input
    badge.hover()
    expect(page.get_by_role("tooltip")).to_contain_text("Not saved: Name is required")
    expect(page.get_by_test_id("character-selector")).to_contain_text(mine.name)  # not renamed to nothing
    screenshot(page, "drafts-refused-save-1440")
    assert stored_name(studio_app, mine.id) == mine.name
    page.get_by_test_id("character-name").press_sequentially("Mira Fixed")
    expect(badge).to_have_text("Saved", timeout=8_000)
    expect(page.get_by_text("Name is required", exact=True)).to_be_hidden()
    assert stored_name(studio_app, mine.id) == "Mira Fixed"


@pytest.mark.parametrize(("viewport", "label"), [(WIDE, "1440"), (MOBILE, "390")])
def test_the_create_form_says_it_saves_on_save_and_the_browser_asks_before_losing_its_text(
        studio_app: StudioApp, new_context: Callable[[dict[str, int]], BrowserContext],
        screenshot: Screenshot, viewport: dict[str, int], label: str) -> None:
    page = new_context(viewport).new_page()
    page.goto(studio_app.url("/create"))
    page.wait_for_function("window.did_handshake === true")
    hint = page.locator('[data-testid^="save-hint"]:visible')  # the header's, or the phone's save bar's
    expect(hint).to_have_text("This form saves only when you press Save")
    page.get_by_test_id("character-name").press_sequentially("Half a thought")
    expect(hint).to_have_text("Unsaved changes · kept only when you press Save")
    screenshot(page, f"drafts-create-form-unsaved-{label}")
    dismissed = record_dialogs(page)
    with page.expect_event("dialog", timeout=5_000):
        page.close(run_before_unload=True)
    assert dismissed == ["beforeunload"] and not page.is_closed()
    expect(page.get_by_test_id("character-name")).to_have_value("Half a thought")
