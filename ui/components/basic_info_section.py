"""The sidebar's Basic Info section: name, gender, rating and description (with a live counter).

Every input is bound to ``CharacterState``, so typing is an edit the auto-saver picks up; nothing is
copied by hand. A save core refuses puts its message on the input it concerns (``field_errors``). The
maximum is core's, the same as the create form's; the counter says where the two differ: the form asks
for at least 50 characters, a draft here saves at any length.
"""

from __future__ import annotations

from typing import Any

from nicegui import binding, ui

from core.character_rules import DESCRIPTION_MAX, DESCRIPTION_MIN, NAME_MAX
from ui.components.suggest_button import suggest_button
from ui.components.suggest_proposal import SuggestProposal
from ui.state import CharacterState
from ui.suggestion_state import SuggestionActions

GENDER_LABELS = {"female": "Female", "male": "Male", "non-binary": "Non-binary", "unspecified": "Unspecified"}
RATING_LABELS = {"sfw": "SFW", "nsfw": "NSFW"}


def description_counter(text: str | None) -> str:
    """The form's: '123 / 20,000' plus what is missing, so the person sees the rule before Save refuses."""
    count = len((text or "").strip())
    if count < DESCRIPTION_MIN:
        return f"{count:,} / {DESCRIPTION_MAX:,} · at least {DESCRIPTION_MIN}"
    return f"{count:,} / {DESCRIPTION_MAX:,}" + (" · too long" if count > DESCRIPTION_MAX else "")


def draft_description_counter(text: str | None) -> str:
    """The studio's: the same maximum, and the one rule the create form adds."""
    count = len((text or "").strip())
    if count < DESCRIPTION_MIN:
        return f"{count:,} / {DESCRIPTION_MAX:,} · saves at any length; the create form asks for {DESCRIPTION_MIN}+"
    return f"{count:,} / {DESCRIPTION_MAX:,}" + (" · too long to save" if count > DESCRIPTION_MAX else "")


def show_field_error(element: Any, state: CharacterState, field: str) -> None:
    """The input shows why core refused the last save of ``field`` (Quasar's error slot), until one passes."""
    binding.bind_from(element, "error", state, "field_errors", backward=lambda errors: (errors or {}).get(field))


def basic_info_section(state: CharacterState, actions: SuggestionActions) -> ui.expansion:
    section = ui.expansion("Basic Info", icon="badge", value=True).classes("w-full") \
        .props("dense header-class=text-weight-medium").mark("section-basic")
    with section, ui.column().classes("w-full gap-2"):
        name = ui.input("Name").bind_value(state, "name") \
            .props(f'outlined dense maxlength={NAME_MAX} data-testid="character-name"') \
            .classes("w-full").mark("character-name")
        show_field_error(name, state, "name")
        with ui.row().classes("w-full gap-2 no-wrap"):
            ui.select(GENDER_LABELS, label="Gender").bind_value(state, "gender") \
                .props("outlined dense").classes("flex-1").mark("gender")
            ui.select(RATING_LABELS, label="Rating").bind_value(state, "content_rating") \
                .props("outlined dense").classes("w-28").mark("rating")
        description = ui.textarea("Description").bind_value(state, "description") \
            .props('outlined autogrow data-testid="character-description"') \
            .classes("w-full").mark("character-description")
        show_field_error(description, state, "description")
        with ui.row().classes("w-full items-center justify-between"):
            ui.label().bind_text_from(state, "description", backward=draft_description_counter) \
                .classes("text-xs text-muted").mark("description-counter")
            suggest_button(lambda: actions.suggest("description"), marker="suggest-description",
                           tooltip="Suggest a description from what is filled in")
        SuggestProposal(actions, "description")
    return section
