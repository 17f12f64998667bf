"""The image gate as the studio uses it: limits from the settings, and gated images from workers.

Generation, reference uploads and card import all store images the same way: decoded and checked by
:mod:`storage.images` in the context's worker processes (:mod:`core.workers`), with thumbnails of
``THUMB_SIZE`` for grids. This module is what they share, so none of them imports another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from core.config import Settings
from core.workers import WorkerCrashed, Workers
from storage import images
from storage.images import ImageLimits, ImageRejected, ProcessedImage

T = TypeVar("T")
THUMB_SIZE = 512  # the thumbnail grids show


def image_limits(settings: Settings) -> ImageLimits:
    return ImageLimits(max_bytes=settings.max_upload_bytes, max_pixels=settings.max_image_pixels,
                       max_edge=settings.max_image_edge, reference_max_edge=settings.reference_max_edge)


def stored_file_metadata(key: str | None, thumbnail_paths: dict[str, str], crc: int | None, size: int | None
                         ) -> dict[str, object]:
    """The storage part of a portrait's ``generation_metadata`` (kept out of exported cards)."""
    recorded: dict[str, object] = {"storage_path": key, "thumbnail_paths": thumbnail_paths}
    if key is not None and crc is not None and size is not None:
        recorded.update(stored_crc32=crc, stored_size=size)
    return recorded


async def prepare_reference(workers: Workers, data: bytes, limits: ImageLimits) -> ProcessedImage:
    """:func:`storage.images.prepare_reference` in a worker process."""
    return await run_gate(workers, images.prepare_reference, data, limits)


async def prepare_portrait(workers: Workers, data: bytes, limits: ImageLimits) -> ProcessedImage:
    """:func:`storage.images.prepare_portrait` in a worker process."""
    return await run_gate(workers, images.prepare_portrait, data, limits)


async def make_thumbnails(workers: Workers, data: bytes, limits: ImageLimits) -> dict[int, bytes]:
    """:func:`storage.images.make_thumbnails` in a worker process."""
    return await run_gate(workers, images.make_thumbnails, data, limits)


async def run_gate(workers: Workers, fn: Callable[[bytes, ImageLimits], T], data: bytes, limits: ImageLimits) -> T:
    """A worker killed by a hostile file (say, by the OOM killer) is a rejected image, not a crash."""
    try:
        return await workers.run(fn, data, limits)
    except WorkerCrashed as exc:
        raise ImageRejected("The image could not be processed.", "failed") from exc
