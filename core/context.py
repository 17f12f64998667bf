"""The services every core function needs, bundled so callers pass one thing.

``main.py`` builds one ``Context`` (through :func:`core.bootstrap.build_context`) and hands it to the
pages and the API; tests build their own. The context owns what is per process and must be started
and stopped once: the worker pools and the cache of signed URLs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.config import Settings
from core.db import Database
from core.events import EventBus
from core.workers import Workers
from storage.base import Storage
from storage.url_cache import UrlCache


@dataclass
class Context:
    settings: Settings
    db: Database
    events: EventBus
    storage: Storage
    workers: Workers = field(default_factory=Workers)
    urls: UrlCache = field(init=False, repr=False)  # signed URLs of ``storage``, cached until near expiry

    def __post_init__(self) -> None:
        self.urls = UrlCache(self.storage)
