""""Suggest all" as a review: every field it would change, its current and proposed value, each
accepted or refused.

Nothing changes until a row is accepted: Accept writes that one field (through ``on_accept``), Refuse
drops it, Accept all / Refuse all decide every row still open. The dialog closes once every row is
decided (or with Close, which leaves the undecided as they are); ``on_close`` then runs once, so the
caller can offer one Undo for everything accepted.

Each row carries ``data-testid="suggest-proposal"`` and its buttons ``suggest-accept`` /
``suggest-refuse``, like a proposal beside a field: to a person (and a browser test) it is the same
choice. The dialog lives in the page's layout, not under the button that asked for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nicegui import ui
from nicegui.client import Client

from ui.components.transient_dialog import show_transient
from ui.suggestion_state import TAG_FIELDS, field_label


@dataclass(frozen=True)
class ReviewRow:
    field: str
    current: Any  # the field's value now
    proposed: Any  # the proposed text, or the tags that would be added


class SuggestReview:
    """One review; rows are decided in any order."""

    def __init__(self, rows: list[ReviewRow], *, source: str, note: str | None,
                 on_accept: Callable[[ReviewRow], None], on_close: Callable[[], None]) -> None:
        self._rows = rows
        self._on_accept = on_accept
        self._on_close = on_close
        self._open = {row.field for row in rows}
        self._slots: dict[str, ui.element] = {}
        self._closed = False
        with ui.dialog() as self.dialog, ui.card().classes("w-[720px] max-w-full gap-3").mark("suggest-review"):
            with ui.row().classes("w-full items-center justify-between no-wrap"):
                ui.label("Review the suggestions").classes("text-lg font-medium")
                ui.button(icon="close", on_click=self.dialog.close) \
                    .props('flat round dense aria-label="Close the review"').mark("review-close")
            made = "Offline suggestions" if source == "offline" else "Suggestions from the chat model"
            ui.label(f"{made}: nothing changes until you accept one.").classes("text-sm text-muted")
            if note:
                ui.label(note).classes("text-sm text-muted")
            with ui.column().classes("w-full gap-2 max-h-[60vh] overflow-y-auto"):
                for row in rows:
                    self._slots[row.field] = ui.column().classes("w-full")
                    with self._slots[row.field]:
                        _row(row, lambda r=row: self.accept(r), lambda r=row: self.refuse(r))
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Refuse all", on_click=self.refuse_all) \
                    .props('flat no-caps data-testid="review-refuse-all"').mark("review-refuse-all")
                ui.button("Accept all", icon="done_all", on_click=self.accept_all) \
                    .props('unelevated no-caps color=primary data-testid="review-accept-all"').mark("review-accept-all")
        self.dialog.on_value_change(lambda e: None if e.value else self._finish())

    def accept(self, row: ReviewRow) -> None:
        if row.field in self._open:
            self._on_accept(row)
            self._decided(row, "Accepted")

    def refuse(self, row: ReviewRow) -> None:
        if row.field in self._open:
            self._decided(row, "Refused")

    def accept_all(self) -> None:
        for row in [r for r in self._rows if r.field in self._open]:
            self.accept(row)

    def refuse_all(self) -> None:
        for row in [r for r in self._rows if r.field in self._open]:
            self.refuse(row)

    def _decided(self, row: ReviewRow, outcome: str) -> None:
        self._open.discard(row.field)
        slot = self._slots[row.field]
        slot.clear()
        with slot, ui.row().classes("w-full items-center gap-2 px-2"):
            ui.icon("check" if outcome == "Accepted" else "close", size="xs")
            ui.label(f"{field_label(row.field)}: {outcome.lower()}").classes("text-sm text-muted") \
                .mark(f"review-{outcome.lower()}")
        if not self._open:
            self.dialog.close()

    def _finish(self) -> None:
        if not self._closed:
            self._closed = True
            self._on_close()


def open_suggest_review(client: Client, rows: list[ReviewRow], *, source: str, note: str | None,
                        on_accept: Callable[[ReviewRow], None], on_close: Callable[[], None]) -> SuggestReview:
    """Open the review in ``client``'s layout; it is deleted once closed."""
    with client.layout:
        review = SuggestReview(rows, source=source, note=note, on_accept=on_accept, on_close=on_close)
    show_transient(review.dialog)
    return review


def _row(row: ReviewRow, accept: Callable[[], None], refuse: Callable[[], None]) -> None:
    with ui.card().props('flat bordered data-testid="suggest-proposal"').classes("w-full gap-1 p-3") \
            .mark("review-row", f"review-{row.field}"):
        ui.label(field_label(row.field)).classes("text-sm font-medium")
        with ui.element("div").classes("grid grid-cols-1 sm:grid-cols-2 gap-2 w-full"):
            with ui.column().classes("gap-0 min-w-0"):
                ui.label("Now").classes("text-xs text-muted")
                _show(row.field, row.current, empty="(empty)", marker="review-current")
            with ui.column().classes("gap-0 min-w-0"):
                ui.label("Would add" if row.field in TAG_FIELDS else "Suggested").classes("text-xs text-primary")
                _show(row.field, row.proposed, empty="", marker="review-proposed", added=True)
        with ui.row().classes("w-full justify-end gap-1"):
            ui.button("Refuse", icon="close", on_click=refuse) \
                .props('flat dense no-caps data-testid="suggest-refuse"').mark("review-refuse")
            ui.button("Accept", icon="check", on_click=accept) \
                .props('unelevated dense no-caps color=primary data-testid="suggest-accept"').mark("review-accept")


def _show(field: str, value: Any, *, empty: str, marker: str, added: bool = False) -> None:
    if field in TAG_FIELDS:
        tags = list(value or [])
        if not tags:
            ui.label(empty or "(none)").classes("text-sm text-muted").mark(marker)
            return
        with ui.row().classes("w-full gap-1").mark(marker):
            for tag in tags:
                ui.chip(f"+ {tag}" if added else tag).props("dense outline" + (" color=primary" if added else "")) \
                    .classes("text-xs")
        return
    text = str(value or "")
    ui.label(text or empty).classes("text-sm whitespace-pre-wrap break-words" + ("" if text else " text-muted")) \
        .mark(marker)
