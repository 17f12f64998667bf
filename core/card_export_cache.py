"""Exports of an unchanged character reuse its card layout; the image files are read every time.

Why: the fixed work of an export - the ownership check and three queries (0.2-0.5 ms through
SQLAlchemy), the card mapping, the JSON, its base64 and the chunk or ZIP headers (0.1-0.2 ms) - costs
several times what reading a 2 MB portrait from the page cache does (0.06 ms). A public character
downloaded again and again, or a creator who exports once more after a look, repeated all of it for
nothing.

What is kept is the export's *layout* (:mod:`core.card_pieces`): every piece that comes from the
rows (card chunks, asset chunks, ZIP headers, the central directory) as bytes, and every piece that
is a stored file as a span of that file. A hit reads each file from storage again - the image bytes
are never cached - checks that each one is still the file the layout was built around (its size and
its first and last bytes), and puts the pieces back together around the fresh bytes. Any difference
is a miss. Streamed exports (too large to hold) are not cached: their reads dwarf the rest.

Coherence comes from the event bus, not from a clock: core publishes an event after every committed
change of a character, its portraits or its scenes, and the bus runs :meth:`ExportCache.invalidate`
synchronously, before ``publish`` returns (a remote process's event, as it is delivered). An export
that read its rows before such an event cannot store what it built afterwards (:meth:`token`). The
cache serves nothing while the bus cannot promise to see every change (a cross-process bus that is
reconnecting), and drops everything when events may have been missed. ``max_age_s`` only bounds what
a write that bypasses core entirely (hand-made SQL) could leave behind.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from core.card_pieces import Fingerprint, Location, Piece
from core.events import Event, EventBus, EventType

ExportKey = tuple[str, str, bool]  # character id, format, embed assets

MAX_BYTES = 32 * 2**20
MAX_ENTRY_BYTES = 8 * 2**20
MAX_AGE_S = 300.0
_NO_CHANGE = (EventType.JOB_PROGRESS, EventType.JOB_FAILED)  # a job's own news; what it stores has its own event


@dataclass(frozen=True)
class CachedExport:
    """One built export, without its files: who may read it, its pieces, the files it was built around."""

    owner_id: str
    is_public: bool
    filename: str
    pieces: tuple[Piece, ...]
    files: Mapping[Location, Fingerprint | None]  # every file the export read; None: it was missing
    warnings: tuple[str, ...]
    created: float = 0.0

    @property
    def file_bytes(self) -> int:
        """What a hit reads (and holds) from storage."""
        return sum(known[0] for known in self.files.values() if known is not None)

    @property
    def held_bytes(self) -> int:
        return sum(len(piece) for piece in self.pieces if isinstance(piece, bytes))


class ExportCache:
    """Layouts of recent exports, keyed by character, format and embedding; bounded in bytes (LRU)."""

    def __init__(self, *, max_bytes: int = MAX_BYTES, max_entry_bytes: int = MAX_ENTRY_BYTES,
                 max_age_s: float = MAX_AGE_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_bytes, self.max_entry_bytes, self.max_age_s = max_bytes, max_entry_bytes, max_age_s
        self._clock = clock
        self._bus: EventBus | None = None
        self._lock = threading.Lock()
        self._entries: OrderedDict[ExportKey, CachedExport] = OrderedDict()
        self._held = 0
        self._epoch = 0  # bumped when everything is dropped
        self._changes: dict[str, int] = {}  # per character, bumped on each of its events
        self.hits = self.misses = 0

    @classmethod
    def watching(cls, bus: EventBus, **options: float) -> ExportCache:
        """A cache kept coherent by ``bus`` (which calls :meth:`invalidate` for every event)."""
        cache = cls(**options)  # type: ignore[arg-type]
        cache._bus = bus
        bus.watch(cache.invalidate)
        return cache

    def token(self, character_id: str) -> tuple[int, int]:
        """Taken before reading the rows; :meth:`put` refuses the result if a change came in between."""
        with self._lock:
            return self._epoch, self._changes.get(character_id, 0)

    def get(self, key: ExportKey) -> CachedExport | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and self._trusted() and self._clock() - entry.created <= self.max_age_s:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry
            if entry is not None:
                self._drop(key)
            self.misses += 1
            return None

    def put(self, key: ExportKey, token: tuple[int, int], entry: CachedExport) -> bool:
        """Keep ``entry`` unless its character changed since ``token`` or it is too large; True if kept."""
        size = entry.held_bytes
        with self._lock:
            if token != (self._epoch, self._changes.get(key[0], 0)) or size > self.max_entry_bytes \
                    or not self._trusted():
                return False
            self._drop(key)
            self._entries[key] = CachedExport(entry.owner_id, entry.is_public, entry.filename, entry.pieces,
                                              entry.files, entry.warnings, self._clock())
            self._held += size
            while self._held > self.max_bytes and self._entries:
                self._drop(next(iter(self._entries)))
            return True

    def invalidate(self, event: Event | None) -> None:
        """Forget the exports of the event's character (``None``: events may have been missed, so
        forget every export). Called by the bus in the delivering thread; thread-safe."""
        if event is not None and event.type in _NO_CHANGE:
            return
        with self._lock:
            if event is None:
                self._epoch += 1
                self._changes.clear()
                self._entries.clear()
                self._held = 0
                return
            character_id = event.character_id
            self._changes[character_id] = self._changes.get(character_id, 0) + 1
            for key in [key for key in self._entries if key[0] == character_id]:
                self._drop(key)

    def __len__(self) -> int:
        return len(self._entries)

    def _trusted(self) -> bool:
        return self._bus is not None and self._bus.sees_all_changes

    def _drop(self, key: ExportKey) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._held -= entry.held_bytes
