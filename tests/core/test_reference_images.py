"""Reference images on both storage backends: upload through the gate, replace, pick, clear, library."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pillow_heif
import pytest
from PIL import Image

from core.characters import get_character
from core.config import Settings
from core.context import Context
from core.db import Database
from core.errors import NotFound
from core.events import EventBus
from core.reference_images import clear_reference, list_library, upload_reference, use_stored_image
from storage.base import REFERENCE_IMAGES, Storage
from storage.images import ImageRejected
from tests.support.factories import make_character, make_user

pytest_plugins = ["tests.support.storage_fixtures"]  # the moto server and the parametrized ``backend`` fixture


@pytest.fixture
async def sctx(settings: Settings, db: Database, backend: Storage) -> AsyncIterator[Context]:
    bus = EventBus()
    await bus.start()
    yield Context(settings=settings, db=db, events=bus, storage=backend)
    await bus.stop()


def _jpeg(color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (80, 60), color).save(buffer, format="JPEG")
    return buffer.getvalue()


def _heic() -> bytes:
    buffer = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (64, 64), (20, 160, 90))).save(buffer, format="HEIF", quality=80)
    return buffer.getvalue()


def _references(ctx: Context, user_id: str) -> list[str]:
    return sorted(o.key for o in ctx.storage.list(REFERENCE_IMAGES, f"{user_id}/"))


async def test_upload_stores_a_clean_image_and_replacing_removes_the_old_file(sctx: Context) -> None:
    user = make_user(sctx.db)
    character = make_character(sctx, user)
    first = await upload_reference(sctx, user, character.id, _heic())
    assert first.reference_image_path and first.reference_image_path.endswith(".png")  # HEIC became PNG
    keys_after_first = _references(sctx, user.id)
    assert len(keys_after_first) == 3  # the image and its two thumbnails
    second = await upload_reference(sctx, user, character.id, _jpeg())
    keys_after_second = _references(sctx, user.id)
    assert len(keys_after_second) == 3 and not set(keys_after_first) & set(keys_after_second)
    assert get_character(sctx, user, character.id).reference_image_url
    assert second.reference_image_path != first.reference_image_path


async def test_a_bad_upload_stores_nothing_and_keeps_the_old_reference(sctx: Context) -> None:
    user = make_user(sctx.db)
    character = make_character(sctx, user)
    kept = await upload_reference(sctx, user, character.id, _jpeg())
    before = _references(sctx, user.id)
    with pytest.raises(ImageRejected):
        await upload_reference(sctx, user, character.id, b"<html><script>alert(1)</script></html>")
    assert _references(sctx, user.id) == before
    with sctx.db.read() as session:
        from core.models import Character

        assert session.get(Character, character.id).reference_image_path == kept.reference_image_path  # type: ignore[union-attr]


async def test_library_lists_own_images_and_a_pick_becomes_the_reference(sctx: Context) -> None:
    user, other = make_user(sctx.db), make_user(sctx.db)
    character = make_character(sctx, user)
    await upload_reference(sctx, user, character.id, _jpeg())
    other_character = make_character(sctx, other)
    await upload_reference(sctx, other, other_character.id, _jpeg((0, 0, 200)))
    library = await list_library(sctx, user)
    assert [image.kind for image in library] == ["reference"]
    assert all(image.key.startswith(f"{user.id}/") for image in library)
    picked = await use_stored_image(sctx, user, character.id, library[0].bucket, library[0].key)
    assert picked.reference_image_path == f"{REFERENCE_IMAGES}/{library[0].key}"
    theirs = (await list_library(sctx, other))[0]
    with pytest.raises(NotFound):
        await use_stored_image(sctx, user, character.id, theirs.bucket, theirs.key)
    cleared = await clear_reference(sctx, user, character.id)
    assert cleared.reference_image_url is None and cleared.reference_image_path is None
