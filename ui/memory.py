"""Give memory back to the operating system after browser tabs go away.

Each open studio tab costs ~2 MB; when tabs close, Python frees the objects but the allocator keeps
the pages, so a server that once had 50 tabs open stays that big. A few seconds after the last page
was deleted, a full collection and glibc's ``malloc_trim`` hand the free pages back. ``main.py`` runs
the server with ``PYTHONMALLOC=malloc`` so that Python's objects live where ``malloc_trim`` can reach
them (with Python's own small-object allocator only a fraction comes back).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging

from nicegui import app, background_tasks

log = logging.getLogger(__name__)
TRIM_AFTER_S = 1.0  # debounce: one trim after a burst of closing tabs
_pending: asyncio.Task[None] | None = None


def trim_memory() -> bool:
    """Collect garbage and return free heap pages to the OS; False where glibc is not there."""
    gc.collect()
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        return bool(ctypes.CDLL(name).malloc_trim(0))
    except (OSError, AttributeError):
        return False


def trim_after_pages_close() -> None:
    """Install the hook: every deleted page (re)starts a short wait, then one trim runs in a thread."""

    def on_delete() -> None:
        global _pending
        if _pending is not None and not _pending.done():
            _pending.cancel()
        _pending = background_tasks.create(_trim_later(), name="trim-memory")

    app.on_delete(on_delete)


async def _trim_later() -> None:
    await asyncio.sleep(TRIM_AFTER_S)
    await asyncio.to_thread(trim_memory)
