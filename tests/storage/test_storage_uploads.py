"""Uploads end to end on every backend: the gate in the process pool, then storage with thumbnails.

Each bad input shows its clear error and leaves both buckets empty; good ones are stored cleaned,
with thumbnails, readable through their signed URLs.
"""

from __future__ import annotations

import asyncio
import io
import os

import pytest
from PIL import Image

from core import image_gate
from core.workers import WorkerCrashed, Workers
from storage.base import (
    BUCKETS,
    REFERENCE_IMAGES,
    InvalidKey,
    Storage,
    put_with_thumbnails,
    reference_key,
    thumbnail_key,
)
from storage.images import ImageLimits, ImageRejected, ProcessedImage
from tests.support.storage import BAD_INPUTS, fetch, heic_bytes, jpeg_with_gps_and_orientation, png_bomb, png_bytes

pytest_plugins = ["tests.support.storage_fixtures"]
LIMITS = ImageLimits()


WORKERS = Workers(processes=2)  # the gate's worker processes, as a context owns them


@pytest.fixture(autouse=True, scope="module")
def _workers_are_stopped_afterwards() -> object:
    yield None
    WORKERS.stop()


async def upload_reference(storage: Storage, data: bytes, filename: str, limits: ImageLimits = LIMITS) -> str:
    """What the reference upload service does: key first (it may be refused), gate, store."""
    stem = filename.rsplit(".", 1)[0]
    reference_key("u1", "c1", filename)
    processed: ProcessedImage = await image_gate.prepare_reference(WORKERS, data, limits)
    key = reference_key("u1", "c1", f"{stem}.{processed.extension}")
    await asyncio.to_thread(put_with_thumbnails, storage, REFERENCE_IMAGES, key, processed.data,
                            processed.content_type, processed.thumbnails)
    return key


def nothing_stored(storage: Storage) -> bool:
    return all(storage.list(bucket, "") == [] for bucket in BUCKETS)


@pytest.mark.parametrize("name", list(BAD_INPUTS))
async def test_bad_input_is_refused_clearly_and_nothing_is_stored(backend: Storage, name: str) -> None:
    build, reason, words = BAD_INPUTS[name]
    with pytest.raises(ImageRejected) as raised:
        await upload_reference(backend, build(), "upload.png")
    assert raised.value.reason == reason and words in raised.value.message
    assert nothing_stored(backend)


async def test_over_the_byte_limit_is_refused_and_nothing_is_stored(backend: Storage) -> None:
    data = png_bytes(300, 300)
    with pytest.raises(ImageRejected, match="limit is") as raised:
        await upload_reference(backend, data, "big.png", ImageLimits(max_bytes=len(data) // 2))
    assert raised.value.reason == "too_large" and nothing_stored(backend)


async def test_a_path_with_dot_dot_is_refused_and_nothing_is_stored(backend: Storage) -> None:
    with pytest.raises(InvalidKey):
        await upload_reference(backend, png_bytes(), "../../u2/c2/face.png")
    with pytest.raises(InvalidKey):
        backend.put(REFERENCE_IMAGES, "u1/../../u2/face.png", png_bytes(), "image/png")
    assert nothing_stored(backend)


async def test_good_uploads_are_stored_clean_with_thumbnails(backend: Storage) -> None:
    jpeg_key = await upload_reference(backend, jpeg_with_gps_and_orientation(6), "holiday.jpg")
    heic_key = await upload_reference(backend, heic_bytes(320, 240), "phone.heic")
    assert (jpeg_key, heic_key) == ("u1/c1/holiday.jpg", "u1/c1/phone.png")
    for key in (jpeg_key, heic_key):
        response = await fetch(backend, backend.signed_url(REFERENCE_IMAGES, key))
        image = Image.open(io.BytesIO(response.content))
        assert response.headers["content-type"] == f"image/{image.format.lower()}"
        assert len(image.getexif()) == 0
        for size in (256, 512):
            assert backend.stat(REFERENCE_IMAGES, thumbnail_key(key, size)).content_type == "image/webp"
    assert Image.open(io.BytesIO(backend.get(REFERENCE_IMAGES, jpeg_key))).size == (200, 300)


async def test_work_runs_in_another_process_and_the_loop_keeps_turning() -> None:
    assert await WORKERS.run(os.getpid) != os.getpid()
    await WORKERS.run(os.getpid)  # the worker is up: what follows measures the work alone
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0)
            ticks += 1

    probe = asyncio.create_task(ticker())
    processed = await image_gate.prepare_reference(WORKERS, png_bytes(2500, 2500, "navy"), LIMITS)
    probe.cancel()
    assert processed.width == 2048
    assert ticks >= 100  # the loop went round and round while the image was processed elsewhere


async def test_a_rejection_crosses_the_process_boundary_intact() -> None:
    with pytest.raises(ImageRejected) as raised:
        await image_gate.prepare_reference(WORKERS, png_bomb(8000, 8000, valid_pixels=False), LIMITS)
    assert raised.value.reason == "too_many_pixels" and "64.0 MP" in raised.value.message


async def test_a_crashed_worker_is_a_rejection_and_the_pool_recovers() -> None:
    with pytest.raises(WorkerCrashed):
        await WORKERS.run(os._exit, 1)
    with pytest.raises(ImageRejected) as raised:  # what a gate call sees when its worker dies
        await image_gate.run_gate(WORKERS, crash, b"", LIMITS)
    assert raised.value.reason == "failed"
    assert (await image_gate.make_thumbnails(WORKERS, png_bytes(600, 300), LIMITS)).keys() == {256, 512}


def crash(_data: bytes, _limits: ImageLimits) -> None:
    """A gate function whose worker dies (as one killed by the OOM killer on a hostile file would)."""
    os._exit(1)
