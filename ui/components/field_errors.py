"""Where a form's messages go: under each field's input, or in the form's summary when it has none.

Sections register their inputs; the form's controller calls :meth:`FieldErrors.show` with core's
messages, so a refused save points at the field and nothing typed is lost.
"""

from __future__ import annotations

from typing import Any

from nicegui import ui
from nicegui.elements.mixins.validation_element import ValidationElement


class FieldErrors:
    def __init__(self) -> None:
        self.inputs: dict[str, ValidationElement[Any] | ui.label] = {}
        self.summary: ui.label | None = None
        self.messages: dict[str, str] = {}

    def register(self, field: str, element: ValidationElement[Any] | ui.label) -> None:
        self.inputs[field] = element

    def show(self, errors: dict[str, str]) -> None:
        self.messages = dict(errors)
        for field, element in self.inputs.items():
            message = errors.get(field)
            if isinstance(element, ui.label):
                element.set_text(message or "")
                element.visible = message is not None
            else:
                element.error = message
        rest = [message for field, message in errors.items() if field not in self.inputs]
        if self.summary is not None:
            self.summary.set_text(" · ".join(rest))
            self.summary.visible = bool(rest)

    def clear(self) -> None:
        self.show({})
