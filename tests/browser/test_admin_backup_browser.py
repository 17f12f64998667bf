"""``/admin/backup`` in Chromium: a backup downloaded from one instance's page restores into a fresh
instance from its page (the browser sends the file itself), every image byte for byte."""

from __future__ import annotations

import re
import tarfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from core import characters
from storage.base import USER_LIBRARY
from tests.support.app_process import StudioApp, start_studio
from tests.support.browser import MOBILE, WIDE, Screenshot

DESCRIPTION = "A lighthouse keeper who collects the stories of passing ships and writes them in tide tables."


@pytest.fixture
def two_instances() -> Iterator[tuple[StudioApp, StudioApp]]:
    source, target = start_studio(), start_studio()
    try:
        yield source, target
    finally:
        source.stop()
        target.stop()


def stored_files(app: StudioApp) -> dict[str, bytes]:
    return {obj.key: app.ctx.storage.get(USER_LIBRARY, obj.key) for obj in app.ctx.storage.list(USER_LIBRARY, "")}


def open_live(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("window.did_handshake === true")


def test_a_downloaded_backup_restores_into_a_fresh_instance_from_its_page(
        browser: Browser, two_instances: tuple[StudioApp, StudioApp], tmp_path: Path,
        screenshot: Screenshot) -> None:
    source, target = two_instances
    character = characters.create_character(source.ctx, source.local_user(),
                                            {"name": "Iris Vale", "description": DESCRIPTION})
    httpx.post(source.url("/functions/v1/character-portrait"), json={"characterId": character.id},
               headers={"Authorization": f"Bearer {source.create_token()}"}, timeout=60).raise_for_status()
    images = stored_files(source)
    assert images, "the source has a stored portrait"

    context = browser.new_context(viewport=WIDE, accept_downloads=True)  # type: ignore[arg-type]
    try:
        page = context.new_page()
        open_live(page, source.url("/admin/backup"))
        expect(page.get_by_test_id("restore-refused")).to_be_visible()  # not empty: no restore offered here
        screenshot(page, "admin-backup-desktop")
        with page.expect_download() as download:
            page.get_by_test_id("backup-download").click()
        archive = tmp_path / "studio.tar"
        download.value.save_as(archive)
        assert download.value.suggested_filename.endswith(".tar")
        with tarfile.open(archive) as tar:
            assert "manifest.json" in tar.getnames()

        restoring = context.new_page()
        open_live(restoring, target.url("/admin/backup"))
        restoring.set_input_files('[data-testid="restore-file"]', str(archive))
        restoring.get_by_test_id("restore-start").click()
        restoring.wait_for_url(re.compile(r"^(?!.*/admin/backup).*$"), timeout=60_000)  # sent to sign in
    finally:
        context.close()

    (restored,) = characters.list_characters(target.ctx, target.local_user())
    assert restored.id == character.id and restored.name == "Iris Vale"
    assert stored_files(target) == images  # byte for byte


def test_a_damaged_archive_is_refused_on_the_page_and_nothing_changes(
        browser: Browser, two_instances: tuple[StudioApp, StudioApp], tmp_path: Path,
        screenshot: Screenshot) -> None:
    source, target = two_instances
    characters.create_character(source.ctx, source.local_user(), {"name": "Iris Vale", "description": DESCRIPTION})
    token = source.create_token()
    body = httpx.get(source.url("/api/v1/admin/backup"), headers={"Authorization": f"Bearer {token}"},
                     timeout=60).raise_for_status().content
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(body[: len(body) // 2])  # cut short

    context = browser.new_context(viewport=MOBILE, has_touch=True, is_mobile=True)  # type: ignore[arg-type]
    try:
        page = context.new_page()
        open_live(page, target.url("/admin/backup"))
        page.set_input_files('[data-testid="restore-file"]', str(damaged))
        page.get_by_test_id("restore-start").click()
        expect(page.locator('[role="status"]')).not_to_contain_text("Checking", timeout=30_000)
        expect(page.locator('[role="status"]')).to_contain_text(re.compile(r"\S"))
        screenshot(page, "admin-backup-refused-390")
        assert page.url.endswith("/admin/backup")
    finally:
        context.close()
    assert characters.list_characters(target.ctx, target.local_user()) == []
    assert stored_files(target) == {}
