"""The admin pages in Chromium (issue 15.8), at 1440×900 and on a 390×844 touch phone, light and dark:
Test connection's exact failure on the card, a JSON mistake at its field, no serious axe violation.
Screenshots: tests/artifacts/admin-<view>-<theme>-<page>.png."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from core.admin import providers
from tests.support.app_process import StudioApp
from tests.support.browser import VIEWS, Screenshot, axe_violations, describe_violations, unsettled

pytestmark = pytest.mark.browser



@pytest.fixture(scope="module")
def unreachable(studio_app: StudioApp) -> str:
    """A ComfyUI provider on a port nothing listens on; its id."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    view = providers.create_provider(studio_app.ctx, studio_app.local_user(), {
        "kind": "comfyui", "name": "Offline GPU box", "base_url": f"http://127.0.0.1:{port}"})
    return f"{view.id}:{port}"



@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("view", list(VIEWS))
def test_providers_page_shows_the_exact_failure_and_passes_axe(
        studio_app: StudioApp, unreachable: str, make_context: Callable[[str, str], BrowserContext],
        screenshot: Screenshot, view: str, theme: str) -> None:
    port = unreachable.split(":")[1]
    page = make_context(view, theme).new_page()
    page.goto(studio_app.url("/admin/providers"))
    card = page.get_by_text("Offline GPU box", exact=True) \
        .locator("xpath=ancestor::div[contains(@class, 'q-card')][1]")
    card.get_by_role("button", name="Test connection").click()
    expect(card.get_by_text(f"Cannot reach http://127.0.0.1:{port}: connection refused")).to_be_visible()
    unsettled(page)
    violations = axe_violations(page)
    screenshot(page, f"admin-{view}-{theme}-providers")
    assert not violations, describe_violations(f"providers {view} {theme}", violations)
    page.get_by_role("button", name="Add provider").click()
    expect(page.get_by_text("Add a provider")).to_be_visible()
    unsettled(page)
    screenshot(page, f"admin-{view}-{theme}-provider-form")
    # axe stacks Quasar's dialog backdrop above the dialog's card (the browser's elementsFromPoint puts
    # the card above it), so it measures the card's buttons on grey; they are the page's own primary
    # and flat buttons, whose contrast the page scan above checks. Every other rule applies here.
    dialog_violations = [v for v in axe_violations(page) if v["id"] != "color-contrast"]
    assert not dialog_violations, describe_violations(f"provider form {view} {theme}", dialog_violations)


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("view", list(VIEWS))
def test_models_page_names_a_json_mistake_at_its_field(
        studio_app: StudioApp, make_context: Callable[[str, str], BrowserContext], screenshot: Screenshot,
        view: str, theme: str) -> None:
    page = make_context(view, theme).new_page()
    page.goto(studio_app.url("/admin/models"))
    expect(page.get_by_text("Image models")).to_be_visible()
    unsettled(page)
    violations = axe_violations(page)
    screenshot(page, f"admin-{view}-{theme}-models")
    assert not violations, describe_violations(f"models {view} {theme}", violations)
    page.get_by_role("button", name="Add model").click()
    field = page.get_by_label("Input defaults (JSON object)")
    field.fill('{"steps": 30,}')
    field.blur()
    expect(page.get_by_text("Not valid JSON: Expecting property name enclosed in double quotes")).to_be_visible()
    unsettled(page)
    screenshot(page, f"admin-{view}-{theme}-model-form")


def test_dragging_a_model_onto_another_takes_its_place_in_routing_order(
        studio_app: StudioApp, browser: Browser) -> None:
    """HTML drag and drop in the real browser: the last image model dragged onto the first becomes the
    most preferred, in the stored priorities. The window is tall enough for the whole list: Playwright
    scrolls to the target mid-drag otherwise, and the drag would start on whatever is then under it."""
    from core.admin import models

    admin = studio_app.local_user()
    before = [m for m in models.list_models(studio_app.ctx, admin) if m.modality == "image"]
    first, last = before[0], before[-1]
    context = browser.new_context(viewport={"width": 1440, "height": 2400})
    try:
        page = context.new_page()
        page.goto(studio_app.url("/admin/models"))
        page.wait_for_function("window.did_handshake === true")
        rows = page.locator('[data-testid="model-row"]')
        rows.locator(f'xpath=self::*[@data-model-id="{last.id}"]').drag_to(
            rows.locator(f'xpath=self::*[@data-model-id="{first.id}"]'))
        expect(rows.first).to_have_attribute("data-model-id", last.id)  # the page redrew in the new order
    finally:
        context.close()
    after = [m.id for m in models.list_models(studio_app.ctx, admin) if m.modality == "image"]
    assert after == [last.id, *[m.id for m in before[:-1]]]
