"""What callers see of an expression set: plain, detached values with freshly signed URLs.

The API's response shape (``label``, ``image_url``, ``thumbnail_url``, ``status``, ``alternatives``)
and the studio's tiles both read these, so neither touches a row or a session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.models import ExpressionImage, ExpressionLabel, ExpressionSet


@dataclass(frozen=True)
class ImageView:
    id: str
    image_url: str
    thumbnail_url: str | None
    background: str
    origin: str  # generated | upload | import
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "image_url": self.image_url, "thumbnail_url": self.thumbnail_url,
                "background": self.background, "origin": self.origin, "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class LabelView:
    """One label: its state, the chosen image and the other images (newest first)."""

    label: str
    status: str
    error: str | None
    chosen: ImageView | None
    alternatives: tuple[ImageView, ...] = ()

    @property
    def images(self) -> tuple[ImageView, ...]:
        """Chosen first, then the alternatives: the order an export numbers them in."""
        return ((self.chosen,) if self.chosen else ()) + self.alternatives


@dataclass(frozen=True)
class SetView:
    id: str
    character_id: str
    source_kind: str  # reference | primary | import
    source_url: str | None
    background: str
    api_model_id: str | None
    job_id: str | None
    labels: tuple[LabelView, ...] = field(default_factory=tuple)

    @property
    def done(self) -> int:
        return sum(1 for label in self.labels if label.chosen is not None)

    def label(self, name: str) -> LabelView | None:
        return next((view for view in self.labels if view.label == name), None)


def image_view(row: ExpressionImage) -> ImageView:
    return ImageView(row.id, row.image_url, row.thumbnail_url, row.background, row.origin, row.created_at)


def set_view(row: ExpressionSet, labels: list[ExpressionLabel], images: list[ExpressionImage]) -> SetView:
    """Assemble the view: labels in the set's order, each label's images newest first."""
    by_label: dict[str, list[ExpressionImage]] = {}
    for image in sorted(images, key=lambda i: (i.created_at, i.id), reverse=True):
        by_label.setdefault(image.label_id, []).append(image)
    views = []
    for label in sorted(labels, key=lambda item: item.position):
        own = by_label.get(label.id, [])
        chosen = next((image for image in own if image.id == label.chosen_image_id), None)
        others = tuple(image_view(image) for image in own if image is not chosen)
        views.append(LabelView(label.label, label.status, label.error_message,
                               image_view(chosen) if chosen else None, others))
    return SetView(row.id, row.character_id, row.source_kind, row.source_url, row.background, row.api_model_id,
                   row.job_id, tuple(views))
