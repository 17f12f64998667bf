"""Per-tab state of the Expressions tab: the character's set as last read, the set job's n of N, and
what the tab asks of its controller.

The controller reads the set again after every ``expression.changed`` (coalesced: one read in flight
at a time), and :meth:`ExpressionState.apply` compares the new view with the shown one label by label,
ignoring the freshly signed URLs, so the panel redraws only the tiles that really changed (a label's
state, its chosen image, its alternatives) instead of the whole grid on every event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from nicegui import Event as Signal
from nicegui.binding import BindableProperty

from core.expressions.views import LabelView, SetView

ChangeKind = Literal["reset", "label", "added", "removed", "progress"]
Change = tuple[ChangeKind, str | None]  # the kind and the label it concerns (None: the whole set)
SOURCE_TEXT = {"reference": "From the reference image", "primary": "From the primary portrait",
               "import": "Imported from a card", "upload": "Your own images"}
NO_FACE = "Choose a primary portrait or a reference image first"


@dataclass(frozen=True)
class SetProgress:
    """The set job's n of N; ``active`` while it runs."""

    job_id: str
    done: int
    total: int
    active: bool


def label_signature(view: LabelView) -> tuple[object, ...]:
    """What a tile shows of a label, without the signed URLs (they change on every read)."""
    return (view.status, view.error, view.chosen.id if view.chosen else None,
            tuple((image.id, image.background) for image in view.alternatives))


class ExpressionState:
    """What the Expressions tab shows; the header binds to the properties, the grid follows :attr:`changed`."""

    # the character's faces, bound from its CharacterState: what a new set would be made from
    primary_url = BindableProperty(on_change=lambda self, _value: self._header())
    reference_url = BindableProperty(on_change=lambda self, _value: self._header())
    running = BindableProperty()  # the set's job is queued or running
    progress_text = BindableProperty()  # "3 of 10", or "" when no job runs
    source_text = BindableProperty()  # which face the set was (or will be) made from
    source_url = BindableProperty()
    has_images = BindableProperty()  # something to export
    can_make = BindableProperty()  # the character has a face (a primary portrait or a reference image)

    def __init__(self) -> None:
        self.view: SetView | None = None
        self.primary_url: str | None = None
        self.reference_url: str | None = None
        self.progress: SetProgress | None = None
        self.loaded = False
        self.running = False
        self.progress_text = ""
        self.source_text = ""
        self.source_url = ""
        self.has_images = False
        self.can_make = False
        self.changed: Signal[[Change]] = Signal()

    def label(self, name: str) -> LabelView | None:
        return self.view.label(name) if self.view else None

    def names(self) -> list[str]:
        return [label.label for label in self.view.labels] if self.view else []

    def apply(self, view: SetView | None, progress: SetProgress | None) -> None:
        """Take a new read of the set; announce only what differs from the one shown."""
        old, first = self.view, not self.loaded
        self.view, self.loaded = view, True
        self._header()
        self.set_progress(_newer(self.progress, progress))
        if first or old is None or view is None:
            self.changed.emit(("reset", None))
            return
        old_names = [label.label for label in old.labels]
        new_names = [label.label for label in view.labels]
        kept = [name for name in old_names if name in set(new_names)]
        if new_names[:len(kept)] != kept:  # a new order: draw the grid again
            self.changed.emit(("reset", None))
            return
        for name in old_names:
            if name not in kept:
                self.changed.emit(("removed", name))
        shown = {label.label: label for label in old.labels}
        for label in view.labels[:len(kept)]:
            if label_signature(label) != label_signature(shown[label.label]):
                self.changed.emit(("label", label.label))
        for label in view.labels[len(kept):]:
            self.changed.emit(("added", label.label))

    def set_progress(self, progress: SetProgress | None) -> None:
        self.progress = progress
        self.running = bool(progress and progress.active)
        self.progress_text = f"{progress.done} of {progress.total}" if progress and progress.active else ""
        self.changed.emit(("progress", None))

    def _header(self) -> None:
        view = getattr(self, "view", None)  # the face bindings fire while __init__ runs
        self.can_make = bool(getattr(self, "reference_url", None) or getattr(self, "primary_url", None))
        if view is not None and view.source_kind in SOURCE_TEXT:
            self.source_text, self.source_url = SOURCE_TEXT[view.source_kind], view.source_url or ""
        elif getattr(self, "reference_url", None):
            self.source_text, self.source_url = "Will be made from the reference image", self.reference_url
        elif getattr(self, "primary_url", None):
            self.source_text, self.source_url = "Will be made from the primary portrait", self.primary_url
        else:
            self.source_text, self.source_url = "No face to make expressions from yet", ""
        self.has_images = bool(view and any(label.chosen for label in view.labels))


def _newer(shown: SetProgress | None, read: SetProgress | None) -> SetProgress | None:
    """The read's progress, unless an event already told more of the same job (a read may be older)."""
    if shown is not None and read is not None and shown.job_id == read.job_id and shown.done > read.done:
        return SetProgress(read.job_id, shown.done, read.total, read.active)
    return read


class ExpressionActions(Protocol):
    """What the Expressions tab asks of its controller (:class:`ui.controllers.expressions.ExpressionController`).

    ``start`` answers None when the set started, else the message to show (nothing was sent)."""

    state: ExpressionState

    async def load(self) -> None: ...
    async def start(self, *, preset: str | None, labels: list[str] | None, background: str,
                    api_model_id: str | None) -> str | None: ...
    async def cancel(self) -> None: ...
    async def regenerate(self, label: str) -> None: ...
    async def choose(self, label: str, image_id: str) -> None: ...
    async def delete_label(self, label: str) -> None: ...
    async def delete_image(self, label: str, image_id: str) -> None: ...
    async def upload(self, label: str, data: bytes) -> None: ...
    async def export(self) -> None: ...
