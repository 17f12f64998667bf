"""The CreateCharacter form's behaviour: the studio controller with explicit, strictly checked saves.

The studio auto-saves free edits; the form does not. It validates every field with the create form's
rules (``strict_description``: 50–500 characters) and shows each message under its input, so nothing
the person typed is lost or half-stored. Generation, the reference upload and the library reuse
:class:`StudioController`; the only change is that a new character is created under the strict rules
first (the studio creates it silently with the lenient ones).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui
from nicegui.client import Client
from nicegui.elements.mixins.validation_element import ValidationElement

from core.character_rules import validate_changes
from core.container import Studio
from core.errors import StudioError, ValidationError
from core.models import User
from ui.studio_controller import StudioController

FIX_FIELDS = "Please fix the highlighted fields"


class FieldErrors:
    """Where each field's message goes: under its input, or in the form's summary when it has none."""

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


class FormController(StudioController):
    """One open form: explicit saves under strict rules, no auto-save, inline errors."""

    strict_rules = True
    created_message = "Character created"

    def __init__(self, studio: Studio, user: User, *, role: str = "ai") -> None:
        super().__init__(studio, user, role=role)
        self.errors = FieldErrors()
        self.state.on_edit = None  # the form saves when asked, never by itself
        self.on_saved_new: Callable[[str], None] | None = None

    def attach(self, client: Client) -> None:
        """Toasts reach this tab; events stop when it goes. No save on disconnect: the form is explicit."""
        self.client = client
        client.on_delete(self.close)

    def validate(self) -> bool:
        """Check every field with the create form's rules and show the messages; True when all pass."""
        try:
            validate_changes(self.state.values(), strict_description=True, creating=True)
        except ValidationError as exc:
            self.errors.show(exc.errors)
            return False
        self.errors.clear()
        return True

    async def save(self) -> bool:
        """Create (then go to the edit URL) or save the edits with the version they were made against."""
        if not self.validate():
            self.notify(FIX_FIELDS, type="negative")
            return False
        if self.state.is_new:
            if not await self._create(silent=True):
                return False
            self.notify("Character created", type="positive")
            if self.on_saved_new is not None and self.state.character_id:
                self.on_saved_new(self.state.character_id)
            return True
        if not self.state.changed_fields():
            self.notify("No changes to save", type="info")
            return True
        return await super().save()

    async def generate(self, prompt: str | None = None, scene_id: str | None = None,
                       presets: dict[str, str] | None = None) -> None:
        """The seed's order: validate, save (strictly) when new or edited, then generate."""
        if not self.state.is_generating:
            if not self.validate():
                self.notify("Fix the highlighted fields before generating a portrait", type="negative")
                return
            if self.state.is_new and not await self._create(silent=True):
                return
            if self.state.dirty and not await self._save_edits():
                return
        await super().generate(prompt, scene_id, presets)

    async def _save_edits(self) -> bool:
        await self.saver.save_now()
        if self.state.save_status == "conflict":
            self.notify("Someone changed this character elsewhere: reload theirs or overwrite", type="warning")
            return False
        if self.state.save_status == "error":
            self.notify(self.state.error_message or "Saving failed", type="negative")
            return False
        return True

    def _can_create(self) -> bool:
        if self.validate():
            return True
        self.notify(FIX_FIELDS, type="negative")
        return False

    def _show_create_error(self, exc: StudioError) -> None:
        if isinstance(exc, ValidationError):
            self.errors.show(exc.errors)
            self.notify(FIX_FIELDS, type="negative")
        else:
            super()._show_create_error(exc)
