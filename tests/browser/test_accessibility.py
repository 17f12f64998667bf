"""axe-core on every page, at 1440×900 and on a 390×844 touch phone, in the light and the dark theme.

What a screen-reader user, a keyboard user or a person with low vision meets: sign-in, home, the
studio (with the lightbox open too, and the phone's Details tab), /create, the preview and the account
page. Any violation axe rates "serious" or "critical" (a control without a name, text under 4.5:1, ...)
fails the test; the message lists each rule, its impact and the nodes' CSS targets. Each page is
photographed under tests/artifacts/a11y-<view>-<theme>-<page>.png, to be read by eye.

The theme comes from the operating system (Playwright's ``color_scheme``), as it does for a person who
never touches the toggle; the test checks the page really is in that theme before scanning it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from core import characters, scenes
from core.models import Character
from tests.support.app_process import StudioApp, start_studio
from tests.support.browser import Screenshot, axe_violations, describe_violations, unsettled

pytestmark = pytest.mark.browser

DARK_BODY = re.compile(r"\bbody--dark\b")

MakeContext = Callable[[str, str], BrowserContext]


@pytest.fixture(scope="module")
def sign_in_app() -> Iterator[StudioApp]:
    """A second app with sign-in on: single-user mode has no sign-in page to scan."""
    app = start_studio(auth="password")
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture(scope="module")
def shown_character(studio_app: StudioApp, api_token: str) -> Character:
    """A character with everything the pages can show: portraits, greetings, tags and a scene."""
    ctx, me = studio_app.ctx, studio_app.local_user()
    row = characters.create_character(ctx, me, {
        "name": "Iris Vale", "description": "A lighthouse keeper who collects the stories of passing ships.",
        "appearance_tags": ["silver hair", "freckles"], "clothing_tags": ["oilskin coat"],
        "first_message": "You made it through the storm. Tea?", "alternate_greetings": ["The lamp is lit."]})
    for _ in range(2):
        response = httpx.post(studio_app.url("/functions/v1/character-portrait"), json={"characterId": row.id},
                              headers={"Authorization": f"Bearer {api_token}"}, timeout=60)
        assert response.status_code == 200, response.text
    scenes.create_scene(ctx, me, row.id, {"scene_name": "The lamp room",
                                          "scene_description": "Glass on every side, the sea below."})
    return characters.get_character(ctx, me, row.id)



class Scanner:
    """Scans one page after another in one tab, collecting what axe finds and taking the pictures."""

    def __init__(self, page: Page, view: str, theme: str, screenshot: Screenshot) -> None:
        self.page, self.view, self.theme, self.screenshot = page, view, theme, screenshot
        self.problems: list[str] = []

    def open(self, url: str, *, live: bool = True) -> None:
        self.page.goto(url)
        if live:
            self.page.wait_for_function("window.did_handshake === true")

    def scan(self, name: str) -> None:
        body = expect(self.page.locator("body"))
        body.to_have_class(DARK_BODY) if self.theme == "dark" else body.not_to_have_class(DARK_BODY)
        unsettled(self.page, timeout=3_000)  # the finished page, not a panel sliding in
        self.screenshot(self.page, f"a11y-{self.view}-{self.theme}-{name}")
        found = axe_violations(self.page)
        if found:
            self.problems.append(describe_violations(f"{name} ({self.view}, {self.theme})", found))


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("view", ["desktop", "phone"])
def test_no_serious_or_critical_axe_violation_on_any_page(
        view: str, theme: str, studio_app: StudioApp, sign_in_app: StudioApp, shown_character: Character,
        make_context: MakeContext, screenshot: Screenshot) -> None:
    page = make_context(view, theme).new_page()
    scanner = Scanner(page, view, theme, screenshot)

    scanner.open(sign_in_app.url("/login"))
    expect(page.get_by_test_id("email")).to_be_visible()
    scanner.scan("sign-in")

    scanner.open(studio_app.url("/"))
    expect(page.get_by_text("Iris Vale").first).to_be_visible()
    scanner.scan("home")

    scanner.open(studio_app.url(f"/studio/{shown_character.id}"))
    expect(page.get_by_test_id("studio-ready")).to_be_attached()
    tiles = page.get_by_test_id("portrait-tile")
    expect(tiles).to_have_count(2)
    scanner.scan("studio")
    tiles.first.locator("img").click()
    expect(page.get_by_test_id("lightbox")).to_be_visible()
    scanner.scan("studio-lightbox")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("lightbox")).to_be_hidden()
    if view == "phone":  # the sidebar is its own tab on a phone
        page.get_by_role("tab", name="Details").click()
        expect(page.get_by_test_id("character-name")).to_be_visible()
        scanner.scan("studio-details")

    scanner.open(studio_app.url("/create"))
    expect(page.get_by_text("Create Character").first).to_be_visible()
    scanner.scan("create")

    scanner.open(studio_app.url(f"/character/{shown_character.id}"), live=False)
    expect(page.get_by_text("The lamp room")).to_be_visible()
    scanner.scan("preview")

    scanner.open(studio_app.url("/account"))
    expect(page.get_by_text("API tokens")).to_be_visible()
    scanner.scan("account")

    assert not scanner.problems, "axe-core found serious or critical violations:\n" + "\n".join(scanner.problems)
