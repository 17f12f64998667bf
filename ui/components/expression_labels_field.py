"""Custom expression labels as chips: typed, then Enter (commas separate several), each checked with
the set's own rule (:func:`core.expressions.labels.validate_label`).

A label that breaks the rule is not added: it stays in the input with the reason under it, so the
person can fix it, and :meth:`LabelChips.labels` refuses to hand anything over while an error or
unfinished text is there, so a bad label is never sent.
"""

from __future__ import annotations

from nicegui import ui

from core.errors import ValidationError
from core.expressions.labels import MAX_LABELS, validate_label


class LabelChips(ui.column):
    def __init__(self) -> None:
        super().__init__()
        self.classes("w-full gap-1")
        self.values: list[str] = []
        with self:
            self.row = ui.row().classes("w-full gap-1 min-h-[1.5rem]").mark("expression-label-chips")
            self.input = ui.input(placeholder="Add labels, e.g. smug, sleepy (Enter adds)") \
                .props('dense outlined aria-label="Custom expression labels" data-testid="expression-label-input"') \
                .classes("w-full").mark("expression-label-input")
        self.input.on("keydown.enter", self.add)
        self.input.on_value_change(lambda _e: self._clear_error())
        self._redraw()

    def add(self) -> bool:
        """Add what is typed; False (with the reason at the field) when a part breaks the rules."""
        text = self.input.value or ""
        parts = [part.strip() for part in text.split(",") if part.strip()]
        added: list[str] = []
        for index, part in enumerate(parts):
            try:
                label = validate_label(part)
            except ValidationError as exc:
                self._refuse(", ".join(parts[index:]), exc.message)
                self._extend(added)
                return False
            if label not in self.values and label not in added:
                added.append(label)
        if len(self.values) + len(added) > MAX_LABELS:
            self._refuse(text, f"At most {MAX_LABELS} labels")
            return False
        self._extend(added)
        self.input.value = ""
        return True

    def labels(self) -> list[str] | None:
        """The labels to send, or None (the reason shown at the field) when there is nothing valid to send."""
        if (self.input.value or "").strip() and not self.add():
            return None
        if self.input.error:
            return None
        if not self.values:
            self._refuse("", "Add at least one label (lowercase letters, digits, '-' and '_')")
            return None
        return list(self.values)

    def _extend(self, added: list[str]) -> None:
        if added:
            self.values.extend(added)
            self._redraw()

    def _refuse(self, text: str, message: str) -> None:
        self.input.value = text
        self.input.error = message  # after the value: a changed value clears the error

    def _clear_error(self) -> None:
        if self.input.error:
            self.input.error = None

    def _remove(self, label: str) -> None:
        self.values = [value for value in self.values if value != label]
        self._redraw()

    def _redraw(self) -> None:
        self.row.clear()
        with self.row:
            if not self.values:
                ui.label("No custom labels yet").classes("text-xs text-muted")
            for label in self.values:
                ui.chip(label, removable=True,
                        on_value_change=lambda e, v=label: None if e.value else self._remove(v)) \
                    .props("dense color=sunken text-color=on-surface").classes("text-xs").mark("expression-label-chip")
