"""The Expressions tab in a real Chromium, at 1440×900 and on a 390×844 touch phone, light and dark.

From outside, as a browser test finds it: exactly one ``[data-testid=tab-expressions]`` at each size,
the clickable tab itself (role "tab"); an Essential set made with the built-in renderer fills ten
``[data-testid=expression-tile]`` with their images; the open tab passes axe (nothing "serious" or
"critical"), and each size and theme is photographed under tests/artifacts/expressions-<view>-<theme>.png.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from core.expressions.labels import ESSENTIAL
from tests.support.app_process import StudioApp
from tests.support.browser import MakeCharacter, Screenshot, axe_violations, describe_violations, unsettled

pytestmark = pytest.mark.browser

DARK_BODY = re.compile(r"\bbody--dark\b")
SET_TIMEOUT_MS = 90_000  # ten images on the built-in renderer, on a slow machine
LOADED_IMAGES_JS = """() => [...document.querySelectorAll(
  '[data-testid=expression-tile] img[data-testid=expression-image]')]
  .filter((img) => img.complete && img.naturalWidth > 0).length"""


def _character_with_face(app: StudioApp, token: str, make_character: MakeCharacter) -> str:
    row = make_character(appearance_tags=["silver hair", "freckles"], clothing_tags=["oilskin coat"])
    response = httpx.post(app.url("/functions/v1/character-portrait"), json={"characterId": row.id},
                          headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert response.status_code == 200, response.text
    return row.id


def _open_expressions(page: Page, app: StudioApp, character_id: str) -> None:
    page.goto(app.url(f"/studio/{character_id}"))
    expect(page.get_by_test_id("studio-ready")).to_be_attached()
    tab = page.locator("[data-testid=tab-expressions]")
    expect(tab).to_have_count(1)  # one at each size: the bar that is shown carries it
    expect(tab).to_be_visible()
    expect(tab).to_have_attribute("role", "tab")  # the clickable tab itself, not a wrapper
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("expression-panel")).to_be_visible()


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("view", ["desktop", "phone"])
def test_an_essential_set_fills_the_tab(view: str, theme: str, studio_app: StudioApp, api_token: str,
                                        make_character: MakeCharacter,
                                        make_context: Callable[[str, str], BrowserContext],
                                        screenshot: Screenshot) -> None:
    character_id = _character_with_face(studio_app, api_token, make_character)
    page = make_context(view, theme).new_page()
    _open_expressions(page, studio_app, character_id)
    expect(page.get_by_text("Will be made from the primary portrait")).to_be_visible()

    page.get_by_test_id("make-expressions").click()
    tiles = page.locator("[data-testid=expression-tile]")
    expect(tiles).to_have_count(len(ESSENTIAL))
    images = page.locator("[data-testid=expression-tile] img[data-testid=expression-image]")
    expect(images).to_have_count(len(ESSENTIAL), timeout=SET_TIMEOUT_MS)
    for index in range(len(ESSENTIAL)):  # lazy images load once scrolled to (on a phone most are below)
        images.nth(index).scroll_into_view_if_needed()
    page.wait_for_function(f"() => ({LOADED_IMAGES_JS})() === {len(ESSENTIAL)}")
    page.get_by_test_id("make-expressions").scroll_into_view_if_needed()  # the header in the picture
    labels = [tiles.nth(i).get_attribute("data-label") for i in range(len(ESSENTIAL))]
    assert labels == list(ESSENTIAL)
    expect(page.get_by_text("From the primary portrait")).to_be_visible()
    expect(page.get_by_test_id("expression-progress")).to_be_hidden()
    expect(page.get_by_test_id("export-sprites")).to_be_enabled()

    body = expect(page.locator("body"))
    body.to_have_class(DARK_BODY) if theme == "dark" else body.not_to_have_class(DARK_BODY)
    unsettled(page, timeout=3_000)
    screenshot(page, f"expressions-{view}-{theme}")
    found = axe_violations(page)
    assert not found, describe_violations(f"expressions ({view}, {theme})", found)

    tiles.first.locator("img[data-testid=expression-image]").click()
    expect(page.get_by_test_id("expression-lightbox")).to_be_visible()
    unsettled(page, timeout=3_000)
    screenshot(page, f"expressions-{view}-{theme}-viewer")
    found = axe_violations(page)
    assert not found, describe_violations(f"expression viewer ({view}, {theme})", found)
