"""The two themes in Chromium: the toggle really repaints the page and is kept on the next page, and
controls stand out from what is behind them by at least 3:1 (WCAG 1.4.11) in both themes.

Text contrast (4.5:1) is axe-core's (tests/browser/test_accessibility.py); axe does not measure the
contrast of a control's shape, so it is measured here from the computed colours.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.support.app_process import StudioApp
from tests.support.browser import WIDE, Screenshot

pytestmark = pytest.mark.browser

DARK_BODY = re.compile(r"\bbody--dark\b")

# Colours as the browser paints them: an element's own colour (background, text or outline), and the
# first opaque background behind it.
COLOURS_JS = """([selector, property]) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const own = rgb(getComputedStyle(el, property === 'outline' ? '::before' : null)[
      property === 'outline' ? 'borderTopColor' : property === 'text' ? 'color' : 'backgroundColor']);
  const start = property === 'background' ? el.parentElement : el;
  for (let a = start; a; a = a.parentElement) {
    const bg = rgb(getComputedStyle(a).backgroundColor);
    if (bg.length >= 3 && (bg.length === 3 || bg[3] === 1)) return {own, behind: bg.slice(0, 3)};
  }
  return {own, behind: [255, 255, 255]};
}"""


def contrast(a: list[float], b: list[float]) -> float:
    """WCAG 2 contrast ratio of two sRGB colours (alpha ignored: the elements measured are opaque)."""
    def luminance(rgb: list[float]) -> float:
        linear = [(c / 255 / 12.92) if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb[:3]]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def measured(page: Page, selector: str, what: str) -> float:
    colours = page.evaluate(COLOURS_JS, [selector, what])
    assert colours is not None, f"nothing matches {selector}"
    return contrast(colours["own"], colours["behind"])


@pytest.fixture
def desktop(new_context: Callable[[dict[str, int]], BrowserContext]) -> Page:
    context = new_context(WIDE)
    return context.new_page()


def open_live(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("window.did_handshake === true")


def test_the_toggle_repaints_the_page_and_the_next_page_keeps_it(
        studio_app: StudioApp, desktop: Page, screenshot: Screenshot) -> None:
    desktop.emulate_media(color_scheme="light")
    open_live(desktop, studio_app.url("/"))
    toggle = desktop.get_by_test_id("theme-toggle")
    body = expect(desktop.locator("body"))
    body.not_to_have_class(DARK_BODY)
    expect(toggle).to_have_attribute("aria-label", re.compile(r"^Theme: automatic"))
    header = desktop.locator("header")
    light_header = header.evaluate("h => getComputedStyle(h).backgroundColor")

    toggle.click()  # automatic → dark, although the system says light
    body.to_have_class(DARK_BODY)
    expect(toggle).to_have_attribute("aria-label", re.compile(r"^Theme: dark"))
    expect(header).not_to_have_css("background-color", light_header)
    screenshot(desktop, "theme-toggled-dark-home")

    open_live(desktop, studio_app.url("/studio"))
    body.to_have_class(DARK_BODY)
    expect(desktop.get_by_test_id("theme-toggle")).to_have_attribute("aria-label", re.compile(r"^Theme: dark"))
    desktop.get_by_test_id("theme-toggle").click()  # dark → light, from the studio's header
    body.not_to_have_class(DARK_BODY)
    open_live(desktop, studio_app.url("/account"))
    body.not_to_have_class(DARK_BODY)
    desktop.get_by_test_id("theme-toggle").click()  # light → automatic: the system's light again
    body.not_to_have_class(DARK_BODY)
    desktop.emulate_media(color_scheme="dark")  # and automatic follows the system when it changes
    body.to_have_class(DARK_BODY)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_controls_stand_out_by_three_to_one(theme: str, studio_app: StudioApp, desktop: Page) -> None:
    desktop.emulate_media(color_scheme=theme)  # type: ignore[arg-type]
    open_live(desktop, studio_app.url("/"))
    body = expect(desktop.locator("body"))
    body.to_have_class(DARK_BODY) if theme == "dark" else body.not_to_have_class(DARK_BODY)
    shapes = {
        "the filled primary button (New companion)": (".q-btn.bg-primary", "background"),
        "the theme toggle's icon on the header": ('[data-testid="theme-toggle"] .q-icon', "text"),
        "the search field's outline": (".q-field--outlined .q-field__control", "outline"),
    }
    failures = []
    for name, (selector, what) in shapes.items():
        ratio = measured(desktop, selector, what)
        if ratio < 3.0:
            failures.append(f"{name}: {ratio:.2f}:1")
    assert not failures, f"{theme}: under 3:1: {failures}"
