"""Fixtures for the real-browser tests: the app as a subprocess, Debian's Chromium, screenshots.

The ``User`` harness cannot see CSS, Quasar's rendering or websocket timing, so these tests drive
``/usr/bin/chromium`` through Playwright's sync API (never a browser Playwright downloads) against
``python main.py`` on a loopback port. The app starts once per test session. Playwright and Chromium
are module-scoped on purpose: between calls, Playwright's sync API marks its event loop as running in
this thread, so it must be stopped before any async test of the rest of the suite runs here.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from core import characters
from core.models import Character
from tests.support.app_process import CHROMIUM, CHROMIUM_ARGS, StudioApp, start_studio
from tests.support.browser import ARTIFACTS, DESKTOP, MOBILE, VIEWS, MakeCharacter, Screenshot, unsettled

DESCRIPTION = "A wandering cartographer who maps places that do not exist yet, kind but restless and curious."
_names = itertools.count(1)

@pytest.fixture(scope="session")
def studio_app() -> Iterator[StudioApp]:
    """``main.py`` on a free port, fresh data dir, single-user mode, the 2-second auto-save."""
    app = start_studio(autosave_delay_s=2.0)
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture(scope="session")
def api_token(studio_app: StudioApp) -> str:
    """A bearer token of the local user, made with core.auth on the app's own SQLite file."""
    return studio_app.create_token()


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    chromium = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[[dict[str, int]], BrowserContext]]:
    """Contexts for this test (a viewport each), all closed at the end so no tab outlives the test."""
    opened: list[BrowserContext] = []

    def make(viewport: dict[str, int]) -> BrowserContext:
        context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
        context.set_default_timeout(10_000)
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()


@pytest.fixture
def make_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """``make_context(view, theme="light")``: a context for ``"desktop"`` (1440×900) or ``"phone"``
    (390×844, touch) in a colour scheme; every one is closed at the end of the test."""
    opened: list[BrowserContext] = []

    def make(view: str, theme: str = "light") -> BrowserContext:
        context = browser.new_context(color_scheme=theme, **VIEWS[view])  # type: ignore[arg-type]
        context.set_default_timeout(15_000)
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()


@pytest.fixture
def page(new_context: Callable[[dict[str, int]], BrowserContext]) -> Page:
    """A desktop tab (1280×800)."""
    return new_context(DESKTOP).new_page()


@pytest.fixture
def mobile_page(new_context: Callable[[dict[str, int]], BrowserContext]) -> Page:
    """A phone-sized tab (390×844), below the 768 px breakpoint of the mobile layout."""
    return new_context(MOBILE).new_page()


@pytest.fixture
def screenshot() -> Screenshot:
    """``screenshot(page, name)`` writes ``tests/artifacts/<name>.png`` once the page has settled.

    A picture is evidence, not the assertion: a page that does not settle in 3 s (an image that never
    loads) is photographed anyway and reported as a warning, so the test still fails only on its own
    subject, and the picture shows what was wrong.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        problems = unsettled(page, timeout=3_000)
        page.screenshot(path=str(path), full_page=True)
        if problems:
            warnings.warn(f"screenshot {name}: page not settled: {problems}", stacklevel=2)
        return path

    return take


@pytest.fixture
def make_character(studio_app: StudioApp) -> MakeCharacter:
    """A character of the local user, created with core services on the app's SQLite file."""

    def make(**fields: object) -> Character:
        data = {"name": f"Mira {next(_names)}", "description": DESCRIPTION, **fields}
        return characters.create_character(studio_app.ctx, studio_app.local_user(), data)

    return make
