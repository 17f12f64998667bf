"""The sidebar's Basic Info section: name, gender, rating and description (with a live counter).

Every input is bound to ``CharacterState``, so typing is an edit the auto-saver picks up; nothing is
copied by hand. The counter shows the create form's 50–500 character range because a description in
that range is what the prompt builder and other pages expect, while the studio still lets a
half-written description auto-save.
"""

from __future__ import annotations

from nicegui import ui

from core.character_rules import DESCRIPTION_MAX_FORM, DESCRIPTION_MIN, NAME_MAX
from ui.actions import Suggests
from ui.components.suggest_button import suggest_button
from ui.state import CharacterState

GENDER_LABELS = {"female": "Female", "male": "Male", "non-binary": "Non-binary", "unspecified": "Unspecified"}
RATING_LABELS = {"sfw": "SFW", "nsfw": "NSFW"}


def description_counter(text: str | None) -> str:
    """'123 / 500' plus what is missing, so the person sees the limit before the form refuses it."""
    count = len((text or "").strip())
    if count < DESCRIPTION_MIN:
        return f"{count} / {DESCRIPTION_MAX_FORM} · at least {DESCRIPTION_MIN}"
    if count > DESCRIPTION_MAX_FORM:
        return f"{count} / {DESCRIPTION_MAX_FORM} · too long for the create form"
    return f"{count} / {DESCRIPTION_MAX_FORM}"


def basic_info_section(state: CharacterState, actions: Suggests) -> ui.expansion:
    section = ui.expansion("Basic Info", icon="badge", value=True).classes("w-full") \
        .props("dense header-class=text-weight-medium").mark("section-basic")
    with section, ui.column().classes("w-full gap-2"):
        ui.input("Name").bind_value(state, "name") \
            .props(f'outlined dense maxlength={NAME_MAX} data-testid="character-name"') \
            .classes("w-full").mark("character-name")
        with ui.row().classes("w-full gap-2 no-wrap"):
            ui.select(GENDER_LABELS, label="Gender").bind_value(state, "gender") \
                .props("outlined dense").classes("flex-1").mark("gender")
            ui.select(RATING_LABELS, label="Rating").bind_value(state, "content_rating") \
                .props("outlined dense").classes("w-28").mark("rating")
        ui.textarea("Description").bind_value(state, "description") \
            .props('outlined autogrow data-testid="character-description"') \
            .classes("w-full").mark("character-description")
        with ui.row().classes("w-full items-center justify-between"):
            ui.label().bind_text_from(state, "description", backward=description_counter) \
                .classes("text-xs text-muted").mark("description-counter")
            suggest_button(lambda: actions.suggest("description"), marker="suggest-description",
                           tooltip="Suggest a description from what is filled in")
    return section
