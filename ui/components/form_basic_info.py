"""The create form's Basic Info: name, gender, description with a live counter, content rating.

Inputs are bound to ``CharacterState``; their ``error`` slot shows the form's messages (registered
with the form's :class:`ui.form_controller.FieldErrors`), so a refused save points at the field.
"""

from __future__ import annotations

from nicegui import ui

from core.character_rules import NAME_MAX
from ui.components.basic_info_section import GENDER_LABELS, RATING_LABELS, description_counter
from ui.components.field_errors import FieldErrors
from ui.state import CharacterState


def form_basic_info(state: CharacterState, errors: FieldErrors) -> ui.column:
    with ui.column().classes("w-full gap-2") as section:
        ui.label("Basic Info").classes("text-base font-semibold")
        name = ui.input("Name *").bind_value(state, "name") \
            .props(f'outlined maxlength={NAME_MAX} data-testid="character-name"').classes("w-full") \
            .mark("character-name")
        errors.register("name", name)
        with ui.row().classes("w-full items-center gap-3"):
            gender = ui.select(GENDER_LABELS, label="Gender").bind_value(state, "gender") \
                .props("outlined dense").classes("flex-1 min-w-[10rem]").mark("gender")
            errors.register("gender", gender)
            ui.toggle(RATING_LABELS).bind_value(state, "content_rating").props("no-caps").mark("rating")
        description = ui.textarea("Description *",
                                  placeholder="Who is this character? At least 50 characters.") \
            .bind_value(state, "description") \
            .props('outlined autogrow data-testid="character-description"') \
            .classes("w-full").mark("character-description")
        errors.register("description", description)
        ui.label().bind_text_from(state, "description", backward=description_counter) \
            .classes("text-xs text-muted self-end").mark("description-counter")
    return section
