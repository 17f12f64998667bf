"""The CreateCharacter form's behaviour, composed from the studio's parts: explicit, strictly checked saves.

The studio auto-saves free edits; the form does not. It validates every field with the create form's
rules (``strict_description``: at least 50 characters) and shows each message under its input, so nothing
the person typed is lost or half-stored. The pieces are the studio's own (session, character,
reference, generation controllers); the form's difference is passed in, not overridden: a session
without auto-save, :class:`FormRules` as the character's create rules, and :class:`FormController`
as the generation gate (validate, create strictly, save the edits, then the studio's checks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.character_rules import validate_changes
from core.container import Studio
from core.errors import StudioError, ValidationError
from core.models import User
from ui.components.field_errors import FieldErrors
from ui.controllers.catalog import Catalog, CatalogLists
from ui.controllers.character import CharacterController
from ui.controllers.generation import GenerationController
from ui.controllers.presets import PresetController
from ui.controllers.reference import ReferenceController
from ui.tab_session import TabSession

FIX_FIELDS = "Please fix the highlighted fields"


class FormRules:
    """The form's create rules: every field checked strictly first, core's refusals under the inputs."""

    strict_description = True
    created_message = "Character created"

    def __init__(self, session: TabSession, errors: FieldErrors) -> None:
        self.session = session
        self.errors = errors

    def validate(self) -> bool:
        """Check every field with the create form's rules and show the messages; True when all pass."""
        try:
            validate_changes(self.session.state.values(), strict_description=True, creating=True)
        except ValidationError as exc:
            self.errors.show(exc.errors)
            return False
        self.errors.clear()
        return True

    def allows_create(self) -> bool:
        if self.validate():
            return True
        self.session.notify(FIX_FIELDS, type="negative")
        return False

    def show_create_error(self, exc: StudioError) -> bool:
        if not isinstance(exc, ValidationError):
            return False
        self.errors.show(exc.errors)
        self.session.notify(FIX_FIELDS, type="negative")
        return True


class FormController:
    """The form's Save and its generation gate, on top of the character controller."""

    def __init__(self, session: TabSession, character: CharacterController, rules: FormRules,
                 on_saved_new: Callable[[str], None] | None = None) -> None:
        self.session = session
        self.state = session.state
        self.character = character
        self.rules = rules
        self.on_saved_new = on_saved_new  # a new character's edit URL

    async def save(self) -> bool:
        """Create (then go to the edit URL) or save the edits with the version they were made against."""
        if not self.rules.validate():
            self.session.notify(FIX_FIELDS, type="negative")
            return False
        if self.state.is_new:
            if not await self.character.create():
                return False
            if self.on_saved_new is not None and self.state.character_id:
                self.on_saved_new(self.state.character_id)
            return True
        if not self.state.changed_fields():
            self.session.notify("No changes to save", type="info")
            return True
        return await self.character.save()

    async def ready_for_generation(self) -> bool:
        """The seed's order: validate, save (strictly) when new or edited, then the studio's checks."""
        if not self.rules.validate():
            self.session.notify("Fix the highlighted fields before generating a portrait", type="negative")
            return False
        if self.state.is_new and not await self.character.create(silent=True):
            return False
        if self.state.dirty and not await self.character.save_edits():
            return False
        return await self.character.ready_for_generation()


@dataclass(frozen=True)
class FormTab:
    """One open form, composed."""

    session: TabSession
    errors: FieldErrors
    catalog: Catalog
    character: CharacterController
    form: FormController
    reference: ReferenceController
    generation: GenerationController
    presets: PresetController

    @classmethod
    def compose(cls, studio: Studio, user: User, *, role: str = "ai", lists: CatalogLists | None = None,
                on_created: Callable[[str], None] | None = None,
                on_saved_new: Callable[[str], None] | None = None) -> FormTab:
        session = TabSession(studio, user, role=role, autosave=False)  # the form saves when asked
        errors = FieldErrors()
        rules = FormRules(session, errors)
        character = CharacterController(session, rules, on_created=on_created)
        form = FormController(session, character, rules, on_saved_new=on_saved_new)
        return cls(session=session, errors=errors, catalog=Catalog(session, lists), character=character, form=form,
                   reference=ReferenceController(session, saved=character),
                   generation=GenerationController(session, gate=form), presets=PresetController(session))
