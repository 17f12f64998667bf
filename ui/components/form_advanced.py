"""The create form's Advanced section: persona, personality traits, system prompt, public switch."""

from __future__ import annotations

from nicegui import ui

from ui.components.field_errors import FieldErrors
from ui.state import CharacterState


def form_advanced(state: CharacterState, errors: FieldErrors) -> ui.column:
    with ui.column().classes("w-full gap-2") as section:
        persona = ui.textarea("Persona", placeholder="How they think, speak and behave") \
            .bind_value(state, "persona").props("outlined autogrow") \
            .classes("w-full").mark("persona")
        traits = ui.input("Personality traits", placeholder="e.g. curious, stubborn, kind") \
            .bind_value(state, "traits").props("outlined").classes("w-full") \
            .mark("traits")
        system_prompt = ui.textarea("System prompt").bind_value(state, "system_prompt") \
            .props("outlined autogrow").classes("w-full").mark("system-prompt")
        ui.switch("Public (others can see this character)").bind_value(state, "is_public").mark("is-public")
    for field, element in (("persona", persona), ("traits", traits), ("system_prompt", system_prompt)):
        errors.register(field, element)
    return section
