"""The services every core function needs, bundled so callers pass one thing.

``main.py`` builds one ``Context`` and hands it to the pages and the API; tests build their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.card_export_cache import ExportCache
from core.config import Settings
from core.db import Database
from core.events import EventBus
from storage.base import Storage


@dataclass
class Context:
    settings: Settings
    db: Database
    events: EventBus
    storage: Storage
    exports: ExportCache = field(init=False, repr=False)  # card layouts, kept coherent by ``events``

    def __post_init__(self) -> None:
        self.exports = ExportCache.watching(self.events)
