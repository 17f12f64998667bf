"""Character cards from the studio header: import opens the new character, export downloads a card."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from nicegui.testing import User

from core import auth, characters
from core.cards.codec.png_chunks import text_chunks
from tests.support.cards import make_full_character, v2_png
from tests.support.factories import DESCRIPTION
from tests.support.served_app import running_studio
from tests.support.studio_pages import open_studio
from tests.support.uploads import upload_through
from tests.support.waiting import eventually


async def test_importing_a_png_card_opens_the_new_character_with_its_portrait(user: User) -> None:
    data, card = v2_png()
    await open_studio(user, "/studio")
    assert await upload_through(user, "card-import-upload", "card.png", data, "image/png") == 200
    ctx = running_studio().ctx
    owner = auth.local_user(ctx.db)
    await eventually(lambda: bool(characters.list_characters(ctx, owner)), what="the imported character")
    imported = characters.list_characters(ctx, owner)[0]
    assert imported.name == card["data"]["name"]
    await open_studio(user, f"/studio/{imported.id}")
    await user.should_see(marker="portrait-tile")
    await user.should_see(marker="primary-badge")
    (advanced,) = user.find(marker="section-advanced").elements
    advanced.set_value(True)  # opening the section builds it
    await user.should_see(marker="lorebook-entries")


async def test_a_file_that_is_not_a_card_creates_nothing(user: User) -> None:
    await open_studio(user, "/studio")
    await upload_through(user, "card-import-upload", "notes.json", b'{"hello": 1}', "application/json")
    await user.should_see("Could not import notes.json")
    ctx = running_studio().ctx
    assert characters.list_characters(ctx, auth.local_user(ctx.db)) == []


async def test_export_downloads_a_png_card_with_both_chunks(user: User) -> None:
    ctx = running_studio().ctx
    owner = auth.local_user(ctx.db)
    character = characters.create_character(ctx, owner, {"name": "Mira", "description": DESCRIPTION})
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="export-png").click()
    response = await user.download.next(timeout=5)
    keywords = {keyword for keyword, _text in text_chunks(response.content)}
    assert {"chara", "ccv3"} <= keywords


async def test_the_download_link_works_once(user: User) -> None:
    ctx = running_studio().ctx
    character = characters.create_character(ctx, auth.local_user(ctx.db), {"name": "Mira", "description": DESCRIPTION})
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="export-json").click()
    response = await user.download.next(timeout=5)
    assert response.status_code == 200 and json.loads(response.content)["data"]["name"] == "Mira"
    assert response.headers["content-disposition"].startswith('attachment; filename="Mira.json"')
    again = await user.http_client.get(response.request.url.path)
    assert again.status_code == 404


async def test_a_large_export_streams_to_the_browser(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = running_studio().ctx
    monkeypatch.setattr(ctx.settings, "export_hold_bytes", 1)  # every image counts as large
    owner = auth.local_user(ctx.db)
    character = await make_full_character(ctx, owner)
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="export-charx").click()
    response = await user.download.next(timeout=5)
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    assert len([n for n in archive.namelist() if n.startswith("assets/icon/")]) == 3
    assert int(response.headers["content-length"]) == len(response.content)
