"""Character cards in a real Chromium: import a PNG card through the Import button, then export it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from core import characters
from core.cards.codec.png_chunks import text_chunks
from tests.support.app_process import StudioApp, wait_until
from tests.support.browser import Screenshot
from tests.support.cards import v2_png

pytestmark = pytest.mark.browser


def test_import_a_card_with_the_import_button_then_export_it(studio_app: StudioApp, page: Page,
                                                            screenshot: Screenshot) -> None:
    data, card = v2_png()
    name = card["data"]["name"]
    page.goto(studio_app.url("/studio"))
    page.wait_for_function("window.did_handshake === true")
    page.locator('[data-testid="card-import-upload"] input[type="file"]').set_input_files(
        files=[{"name": "card.png", "mimeType": "image/png", "buffer": data}])
    page.wait_for_url("**/studio/*", timeout=15_000)
    imported = wait_until(lambda: next((c for c in characters.list_characters(
        studio_app.ctx, studio_app.local_user(), search=name) if c.name == name), None), 10, "the imported row")
    assert page.url.endswith(f"/studio/{imported.id}")
    expect(page.get_by_test_id("character-name")).to_have_value(name)
    expect(page.get_by_test_id("portrait-tile")).to_have_count(1)
    expect(page.get_by_test_id("primary-badge")).to_be_visible()
    screenshot(page, "card-imported")
    page.get_by_test_id("card-export").click()
    with page.expect_download() as download_info:
        page.get_by_text("PNG card").click()
    download = download_info.value
    exported = open(download.path(), "rb").read()  # noqa: PTH123, SIM115 - a temp file Playwright owns
    keywords = {keyword for keyword, _text in text_chunks(exported)}
    assert {"chara", "ccv3"} <= keywords
    assert download.suggested_filename.endswith(".png")
