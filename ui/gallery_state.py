"""The portraits one open gallery shows: the first page, more on demand, and live changes.

Events from the bus (``portrait.inserted|updated|deleted``) are applied here; the gallery component
listens through ``changed`` (a ``nicegui.Event``: a subscription made in a page ends with it) and
adds, moves or removes only the tiles concerned, so a new portrait appears in every open tab without
rebuilding the grid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nicegui import Event as Signal

from core.events import Event, EventType
from core.models import CharacterPortrait

PAGE_SIZE = 48


@dataclass
class PortraitView:
    id: str
    image_url: str
    thumbnail_url: str | None
    is_primary: bool
    prompt: str | None = None
    sort_order: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def tile_url(self) -> str:
        return self.thumbnail_url or self.image_url

    @classmethod
    def from_row(cls, row: CharacterPortrait) -> PortraitView:
        return cls(row.id, row.image_url, row.thumbnail_url, row.is_primary, row.prompt, row.sort_order,
                   dict(row.generation_metadata or {}))

    @classmethod
    def from_event(cls, data: dict[str, Any]) -> PortraitView:
        return cls(str(data["id"]), str(data.get("image_url") or ""), data.get("thumbnail_url"),
                   bool(data.get("is_primary")), data.get("prompt"), int(data.get("sort_order") or 0))


def _shown(views: list[PortraitView]) -> list[tuple[str, bool]]:
    return [(v.id, v.is_primary) for v in views]


Change = tuple[str, PortraitView | None]  # ('inserted'|'updated'|'deleted'|'reset', portrait)


class GalleryState:
    """Ordered portraits (gallery order: newest first) plus how many exist in total."""

    def __init__(self) -> None:
        self.portraits: list[PortraitView] = []
        self.total = 0
        self.loaded = False  # a first page has been shown (an empty one too)
        self.changed: Signal[[Change]] = Signal()

    @property
    def has_more(self) -> bool:
        return len(self.portraits) < self.total

    @property
    def primary(self) -> PortraitView | None:
        return next((p for p in self.portraits if p.is_primary), None)

    def find(self, portrait_id: str) -> PortraitView | None:
        return next((p for p in self.portraits if p.id == portrait_id), None)

    def index(self, portrait_id: str) -> int:
        return next((i for i, p in enumerate(self.portraits) if p.id == portrait_id), -1)

    def reset(self, rows: list[CharacterPortrait], total: int) -> None:
        """Show this first page; a page read again that matches what is shown changes nothing."""
        views = [PortraitView.from_row(r) for r in rows]
        if self.loaded and total == self.total and _shown(views) == _shown(self.portraits):
            return
        self.portraits = views
        self.total = total
        self.loaded = True
        self._emit(("reset", None))

    def extend(self, rows: list[CharacterPortrait], total: int) -> list[PortraitView]:
        known = {p.id for p in self.portraits}
        added = [PortraitView.from_row(r) for r in rows if r.id not in known]
        self.portraits.extend(added)
        self.total = total
        for view in added:
            self._emit(("appended", view))
        return added

    def apply(self, event: Event) -> None:
        """Fold one bus event into the list; unknown or duplicate events change nothing."""
        data = event.data
        if event.type == EventType.PORTRAIT_INSERTED and "id" in data and self.find(str(data["id"])) is None:
            view = PortraitView.from_event(data)
            if view.is_primary:
                self._clear_primary(except_id=view.id)
            self.portraits.insert(0, view)
            self.total += 1
            self._emit(("inserted", view))
        elif event.type == EventType.PORTRAIT_DELETED:
            view = self.find(str(data.get("id")))
            if view is not None:
                self.portraits.remove(view)
                self.total = max(0, self.total - 1)
                self._emit(("deleted", view))
        elif event.type == EventType.PORTRAIT_UPDATED and "is_primary" in data:
            view = self.find(str(data.get("id")))
            if view is not None and view.is_primary != bool(data["is_primary"]):
                if data["is_primary"]:
                    self._clear_primary(except_id=view.id)
                view.is_primary = bool(data["is_primary"])
                self._emit(("updated", view))

    def _clear_primary(self, except_id: str) -> None:
        for other in self.portraits:
            if other.is_primary and other.id != except_id:
                other.is_primary = False
                self._emit(("updated", other))

    def _emit(self, change: Change) -> None:
        self.changed.emit(change)
