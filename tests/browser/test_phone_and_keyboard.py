"""The studio on a touch phone (390×844) and from the keyboard (1440×900), in a real Chromium.

On the phone the controls are counted as a person sees them: one Save, one Generate and one "Add
scene" per tab, every button at least 40 px each way, Template and Preview reachable, more than one
character per screen at home, notifications clear of the bottom bar. At the desktop a portrait is
reached with Tab, opened with Enter (the ring of focus visible) and closed with Escape, and
Ctrl+Enter in the prompt starts a generation. Screenshots go to tests/artifacts/ (keys-*, phone-*).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from core import portraits, scenes
from core.models import Character
from tests.support.app_process import StudioApp, wait_until
from tests.support.browser import MakeCharacter, Screenshot, unsettled
from tests.support.provider_servers import png_bytes

pytestmark = pytest.mark.browser

MIN_TARGET = 40  # px, each way

# The visible buttons of the page (Quasar buttons, tiles and cards acting as buttons, tabs, a chip's
# remove icon): their label and box. "Visible" is what a person could tap on this tab, scrolled to or
# not; a hidden tab's controls do not count.
CONTROLS_JS = """() => {
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  };
  const found = [];
  for (const el of document.querySelectorAll('.q-btn, [role="button"], .q-tab, .q-chip__icon--remove')) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    const text = el.querySelector('.q-btn__content > .block');  // a button's label, not its icon's name
    const label = (el.getAttribute('aria-label') || (text && text.innerText) || el.innerText
                   || el.getAttribute('data-testid') || el.tagName).trim().replace(/\\s+/g, ' ');
    found.push({label, width: r.width, height: r.height, testid: el.getAttribute('data-testid') || ''});
  }
  return found;
}"""

# The ring of focus on the focused element: an outline or a box-shadow a person can see.
FOCUS_RING_JS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const holder = getComputedStyle(el.parentElement);  // a tile's picture: the tile is ringed too
  return {tag: el.tagName, role: el.getAttribute('role'), label: el.getAttribute('aria-label'),
          holderOutline: holder.outlineStyle, holderOutlineWidth: parseFloat(holder.outlineWidth) || 0,
          outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
          outlineColor: style.outlineColor, boxShadow: style.boxShadow,
          focusVisible: el.matches(':focus-visible')};
}"""



def stored_portrait(app: StudioApp, character: Character, number: int, prompt: str | None = None) -> None:
    """A portrait with a real stored picture (the screenshots show images, not broken links)."""
    owner = app.local_user()
    key = f"{owner.id}/portraits/{character.id}/kb{number}.png"
    app.ctx.storage.put("user-library", key, png_bytes(color=(40 + 60 * number, 90, 160), size=64), "image/png")
    portraits.add_portrait(app.ctx, owner, character.id, image_url=app.ctx.storage.signed_url("user-library", key),
                           prompt=prompt)


def open_studio(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("window.did_handshake === true")
    expect(page.get_by_test_id("studio-ready")).to_be_attached()


def controls(page: Page) -> list[dict[str, Any]]:
    unsettled(page)  # a tab sliding in is measured once it is in place
    return list(page.evaluate(CONTROLS_JS))


def named(found: list[dict[str, Any]], word: str) -> list[str]:
    """The labels (lower case: Quasar capitalises some) of the controls that say ``word``."""
    return [c["label"].lower() for c in found if word.lower() in c["label"].lower()]


def assert_touch_targets(found: list[dict[str, Any]], where: str) -> None:
    small = [f"{c['label']!r} {c['width']:.0f}×{c['height']:.0f}" for c in found
             if c["width"] < MIN_TARGET - 0.5 or c["height"] < MIN_TARGET - 0.5]
    assert not small, f"{where}: touch targets under {MIN_TARGET} px: {small}"


def mobile_tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name).first.click()


# -- the phone ---------------------------------------------------------------------------------------


def test_one_save_one_generate_one_add_scene_and_big_enough_targets_on_every_phone_tab(
        studio_app: StudioApp, make_context: Callable[[str], BrowserContext], make_character: MakeCharacter,
        screenshot: Screenshot) -> None:
    character = make_character(appearance_tags=["red hair"])
    owner = studio_app.local_user()
    for number in range(2):
        stored_portrait(studio_app, character, number)
    scenes.create_scene(studio_app.ctx, owner, character.id, {"scene_name": "Rainy harbour"})
    page = make_context("phone").new_page()
    open_studio(page, studio_app.url(f"/studio/{character.id}"))

    expect(page.get_by_test_id("portrait-tile")).to_have_count(2)
    found = controls(page)
    assert len(named(found, "Save")) == 1, found
    assert len(named(found, "Generate")) == 2, named(found, "Generate")  # the prompt bar's and the add tile
    assert_touch_targets(found, "Portraits tab")
    screenshot(page, "phone-portraits")

    mobile_tab(page, "Details")
    expect(page.get_by_test_id("character-name")).to_be_visible()
    found = controls(page)
    assert named(found, "Save") == ["save"], named(found, "Save")
    assert named(found, "Generate") == ["generate portrait"], named(found, "Generate")
    assert_touch_targets(found, "Details tab")
    screenshot(page, "phone-details")

    mobile_tab(page, "Scenes")
    expect(page.get_by_test_id("scene-card")).to_be_visible()
    found = controls(page)
    assert named(found, "Save") == ["save"], named(found, "Save")
    assert [c["testid"] for c in found if "add scene" in c["label"].lower()] == ["mobile-add-scene"], found
    assert_touch_targets(found, "Scenes tab")
    screenshot(page, "phone-scenes")


def test_template_and_preview_are_reachable_on_a_phone(
        studio_app: StudioApp, make_context: Callable[[str], BrowserContext], make_character: MakeCharacter,
        screenshot: Screenshot) -> None:
    context = make_context("phone")
    page = context.new_page()
    open_studio(page, studio_app.url("/studio"))
    page.get_by_test_id("header-more").click()
    expect(page.get_by_test_id("menu-template")).to_be_visible()
    expect(page.get_by_test_id("menu-preview")).to_be_hidden()  # nothing to preview before it exists
    screenshot(page, "phone-header-menu")
    page.get_by_test_id("menu-template").click()
    expect(page.get_by_test_id("template-button").first).to_be_visible()
    screenshot(page, "phone-templates")

    character = make_character()
    open_studio(page, studio_app.url(f"/studio/{character.id}"))
    page.get_by_test_id("header-more").click()
    expect(page.get_by_test_id("menu-template")).to_be_visible()  # a draft exists at once: still at hand
    with context.expect_page() as preview:
        page.get_by_test_id("menu-preview").click()
    preview.value.wait_for_load_state()
    assert preview.value.url.endswith(f"/character/{character.id}")


def test_the_phone_studio_has_the_theme_toggle_in_its_bar_and_keeps_the_choice(
        studio_app: StudioApp, make_context: Callable[[str], BrowserContext]) -> None:
    """The same ``theme-toggle`` as on every other page, visible at 390 px, the choice remembered."""
    page = make_context("phone").new_page()
    open_studio(page, studio_app.url("/studio"))
    toggle = page.get_by_test_id("theme-toggle")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-label", re.compile(r"^Theme: automatic"))
    toggle.click()  # automatic -> dark
    expect(page.locator("body")).to_have_class(re.compile(r"\bbody--dark\b"))
    open_studio(page, studio_app.url("/studio"))
    expect(page.locator("body")).to_have_class(re.compile(r"\bbody--dark\b"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # the bar still fits


def test_home_shows_several_characters_and_create_shows_its_form_first_on_a_phone(
        studio_app: StudioApp, make_context: Callable[[str], BrowserContext], make_character: MakeCharacter,
        screenshot: Screenshot) -> None:
    for _ in range(3):
        make_character()
    page = make_context("phone").new_page()
    page.goto(studio_app.url("/"))
    expect(page.get_by_test_id("character-card").first).to_be_visible()
    unsettled(page)
    in_view = page.evaluate("""() => [...document.querySelectorAll('[data-testid="character-card"]')]
        .filter((c) => { const r = c.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })
        .length""")
    assert in_view >= 2, f"only {in_view} whole character card(s) in the first screen"
    assert_touch_targets(controls(page), "home")
    screenshot(page, "phone-home")

    page.goto(studio_app.url("/create"))
    name = page.get_by_test_id("character-name")
    expect(name).to_be_visible()
    placeholder = page.get_by_text("No portrait yet")
    assert name.bounding_box()["y"] < placeholder.bounding_box()["y"], "the portrait panel comes before the form"
    assert name.bounding_box()["y"] < 844, "the form starts below the first screen"
    screenshot(page, "phone-create")


def test_notifications_stay_clear_of_the_bottom_bars_on_a_phone(
        studio_app: StudioApp, make_context: Callable[[str], BrowserContext], make_character: MakeCharacter,
        screenshot: Screenshot) -> None:
    character = make_character()
    page = make_context("phone").new_page()
    open_studio(page, studio_app.url(f"/studio/{character.id}"))
    expect(page.get_by_test_id("generate-button")).to_be_visible()

    page.get_by_test_id("mobile-save").click()  # "Character saved"
    notification = page.locator(".q-notification").first
    expect(notification).to_be_visible()
    unsettled(page)
    bar_top = page.evaluate("""() => document.querySelector('[data-testid="prompt-input"]')
        .closest('.nicegui-row').getBoundingClientRect().top""")
    assert notification.bounding_box()["y"] + notification.bounding_box()["height"] <= bar_top, \
        "a notification covers the prompt bar"
    screenshot(page, "phone-notification-portraits")

    mobile_tab(page, "Scenes")
    footer = page.locator(".q-footer")
    expect(footer).to_be_visible()
    page.get_by_test_id("mobile-save").click()
    expect(page.locator(".q-notification").last).to_be_visible()
    unsettled(page)
    last = page.locator(".q-notification").last.bounding_box()
    assert last["y"] + last["height"] <= footer.bounding_box()["y"], "a notification covers the bottom bar"
    screenshot(page, "phone-notification-scenes")


# -- the keyboard ------------------------------------------------------------------------------------


def test_tab_reaches_a_portrait_enter_opens_it_escape_closes_it_with_a_visible_ring(
        studio_app: StudioApp, make_context: Callable[[str], BrowserContext], make_character: MakeCharacter,
        screenshot: Screenshot) -> None:
    character = make_character()
    stored_portrait(studio_app, character, 0, prompt="keyboard take")
    page = make_context("desktop").new_page()
    open_studio(page, studio_app.url(f"/studio/{character.id}"))
    expect(page.get_by_test_id("portrait-tile")).to_have_count(1)
    page.locator("body").click(position={"x": 700, "y": 5})  # start from the page, as after a load

    ring: dict[str, Any] = {}
    for _ in range(80):  # header, sidebar, tabs, pose chips ... then the first tile
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING_JS)
        if ring["role"] == "button" and (ring["label"] or "").startswith("Open portrait"):
            break
    else:
        pytest.fail(f"Tab never reached a portrait; last focus: {ring}")
    assert ring["focusVisible"], ring
    assert ring["outlineStyle"] != "none" and ring["outlineWidth"] >= 2, f"no visible focus ring: {ring}"
    assert ring["holderOutline"] != "none" and ring["holderOutlineWidth"] >= 2, f"the tile has no ring: {ring}"
    screenshot(page, "keys-tile-focused")

    page.keyboard.press("Enter")
    lightbox = page.get_by_test_id("lightbox")
    expect(lightbox).to_be_visible()
    expect(lightbox).to_contain_text("keyboard take")
    focused = page.evaluate("() => document.activeElement.closest('[data-testid=lightbox]') !== null")
    assert focused, "the lightbox does not hold the focus"
    ring = page.evaluate(FOCUS_RING_JS)  # its Close button: a Quasar button, ringed with a box-shadow
    assert ring["label"] == "Close" and ring["focusVisible"], ring
    assert ring["boxShadow"].count("0px 0px 0px") == 2 and "5px" in ring["boxShadow"], f"no visible ring: {ring}"
    screenshot(page, "keys-lightbox")
    page.keyboard.press("Escape")
    expect(lightbox).to_be_hidden()
    page.get_by_role("button", name="Open portrait").first.focus()
    page.keyboard.press(" ")  # Space opens it too
    expect(lightbox).to_be_visible()
    page.keyboard.press("Escape")
    expect(lightbox).to_be_hidden()


def test_ctrl_enter_in_the_prompt_starts_a_generation(
        studio_app: StudioApp, make_context: Callable[[str], BrowserContext], make_character: MakeCharacter) -> None:
    character = make_character()
    owner = studio_app.local_user()
    page = make_context("desktop").new_page()
    open_studio(page, studio_app.url(f"/studio/{character.id}"))
    prompt = page.get_by_test_id("prompt-input")
    prompt.click()
    prompt.type("under a lantern")
    page.keyboard.press("Control+Enter")
    wait_until(lambda: portraits.count_portraits(studio_app.ctx, owner, character.id) == 1, timeout=30,
               what="the portrait Ctrl+Enter started")
    (made,) = portraits.list_portraits(studio_app.ctx, owner, character.id)
    assert "under a lantern" in (made.prompt or "")
    assert prompt.input_value() == "under a lantern"  # Ctrl+Enter added no new line
    expect(page.get_by_test_id("portrait-tile")).to_have_count(1)
