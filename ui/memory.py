"""Give memory back to the operating system after browser tabs go away.

Each open studio tab costs ~2 MB; when tabs close, Python frees the objects but the allocator keeps
the pages, so a server that once had 50 tabs open stays that big. A few seconds after the last page
was deleted, a full collection and glibc's ``malloc_trim`` hand the free pages back (CPython's own
small-object arenas go back by themselves once empty; what ``malloc_trim`` reaches is the larger
blocks that live on glibc's heap).

A full collection walks every object the collector tracks: about 160,000 after start-up (modules,
NiceGUI, SQLAlchemy, the app), 110 ms on an idle machine and several hundred under load, during which
the interpreter answers nobody. Those objects live as long as the process, so once the app has
started they are moved to the collector's permanent generation (``gc.freeze``, the documented way
for long-lived servers): later collections walk only what came after, the closed tabs' elements.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import time
from collections.abc import Callable

from nicegui import app, background_tasks

log = logging.getLogger(__name__)
TRIM_AFTER_S = 1.0  # debounce: one trim after a burst of closing tabs
TAB_STORAGE_AGE_S = 60.0  # NiceGUI's default is 30 days
_pending: asyncio.Task[None] | None = None


def trim_memory() -> bool:
    """Collect garbage and return free heap pages to the OS; False where glibc is not there."""
    started = time.perf_counter()
    found = gc.collect()
    log.debug("memory trim: %d unreachable objects collected in %.0f ms (%d frozen)", found,
             (time.perf_counter() - started) * 1000, gc.get_freeze_count())
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        return bool(ctypes.CDLL(name).malloc_trim(0))
    except (OSError, AttributeError):
        return False


def keep_collections_short() -> None:
    """Freeze what exists once the start-up handlers registered before this call have run; thaw it
    at shutdown (the ``User`` harness starts the app once per test in one process: each test's
    objects must stay collectable after it)."""
    app.on_startup(gc.freeze)
    app.on_shutdown(gc.unfreeze)


def trim_after_pages_close(release: Callable[[], object] | None = None) -> None:
    """Install the hook: every deleted page (re)starts a short wait, then ``release`` (caches the
    app can rebuild, such as idle database connections) and one trim run in a thread."""

    # The studio keeps nothing in ``app.storage.tab``, but NiceGUI creates an in-memory dict for every
    # browser tab that ever connects and keeps it for ``max_tab_storage_age``: a server up for weeks
    # would hold one per tab ever opened. Its own 10-second pruning timer then drops them soon.
    app.storage.max_tab_storage_age = TAB_STORAGE_AGE_S

    def on_delete() -> None:
        global _pending
        if _pending is not None and not _pending.done():
            _pending.cancel()
        _pending = background_tasks.create(_trim_later(release), name="trim-memory")

    app.on_delete(on_delete)


async def _trim_later(release: Callable[[], object] | None) -> None:
    await asyncio.sleep(TRIM_AFTER_S)
    await asyncio.to_thread(_release_and_trim, release)


def _release_and_trim(release: Callable[[], object] | None) -> None:
    if release is not None:
        try:
            release()
        except Exception:  # memory housekeeping must never take the server down
            log.exception("releasing caches before the memory trim failed")
    trim_memory()
