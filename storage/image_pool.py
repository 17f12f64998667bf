"""Async wrappers that run the image gate in a process pool, off the event loop.

Decoding a 12 MP HEIC takes most of a second of CPU; done on the event loop it would freeze every
connected browser. The pool is created on first use and shared by the whole process. Workers are
started by a forkserver that preloads only :mod:`storage.images` (never the app's ``main.py``, and
never forked from a process that runs threads, which can deadlock). A worker that dies (say, killed
by the OOM killer on a hostile file) breaks the pool: the pool is replaced and the caller gets an
:class:`ImageRejected` instead of a crash.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from storage import images
from storage.images import ImageLimits, ImageRejected, ProcessedImage

T = TypeVar("T")

_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()
_max_workers: int | None = None


def configure_pool(max_workers: int | None) -> None:
    """Set the worker count used when the pool is next created (default: CPUs, at most 4)."""
    global _max_workers
    _max_workers = max_workers


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            workers = _max_workers or max(1, min(4, os.cpu_count() or 1))
            if "forkserver" in multiprocessing.get_all_start_methods():
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["storage.images"])
            else:
                context = multiprocessing.get_context("spawn")
            _pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        return _pool


def shutdown_pool() -> None:
    """Stop the workers (app shutdown, tests); the next call starts a fresh pool."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def _discard(broken: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is broken:
            _pool = None
    broken.shutdown(wait=False, cancel_futures=True)


async def run_in_pool(fn: Callable[..., T], *args: object) -> T:
    """Run a module-level function from :mod:`storage.images` in the pool and await its result."""
    pool = _get_pool()
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(pool, fn, *args)
    except BrokenProcessPool as exc:
        _discard(pool)
        raise ImageRejected("The image could not be processed.", "failed") from exc


async def prepare_reference_async(data: bytes, limits: ImageLimits) -> ProcessedImage:
    """:func:`storage.images.prepare_reference` in the pool."""
    return await run_in_pool(images.prepare_reference, data, limits)


async def prepare_portrait_async(data: bytes, limits: ImageLimits) -> ProcessedImage:
    """:func:`storage.images.prepare_portrait` in the pool."""
    return await run_in_pool(images.prepare_portrait, data, limits)


async def make_thumbnails_async(data: bytes, limits: ImageLimits) -> dict[int, bytes]:
    """:func:`storage.images.make_thumbnails` in the pool."""
    return await run_in_pool(images.make_thumbnails, data, limits)
