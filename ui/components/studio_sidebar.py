"""The studio's left column: Save, the avatar, "Suggest all" and the four collapsible sections.

It only composes: each section is its own component bound to the same ``CharacterState``, so a value
changed in one place (a suggestion, a template, another tab) shows everywhere without wiring. The
page owns the column's width; this fills it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui
from nicegui.elements.mixins.source_element import SourceElement

from core.cards.summary import CardSummary
from ui.actions import AppearanceActions, Choices, ReferenceActions
from ui.components.advanced_section import advanced_section
from ui.components.appearance_section import appearance_section
from ui.components.basic_info_section import basic_info_section
from ui.components.personality_section import personality_section
from ui.components.suggest_button import suggest_button
from ui.state import CharacterState, StudioOptions
from ui.suggestion_state import SuggestionActions


def studio_sidebar(state: CharacterState, actions: SuggestionActions,
                   on_save: Callable[[], Awaitable[bool]]) -> ui.column:
    with ui.column().classes("w-full gap-2 p-3") as column, ui.row().classes("w-full items-center gap-3 no-wrap"):
        _avatar(state)
        with ui.column().classes("flex-1 min-w-0 gap-1"):
            ui.label().bind_text_from(state, "name", backward=lambda n: n or "New character") \
                    .classes("text-base font-medium truncate w-full")
            suggest_button(lambda: actions.suggest("all"), "Suggest all", marker="suggest-all",
                           tooltip="Suggest every field at once, to review before anything changes")
        ui.button("Save", icon="save", on_click=on_save) \
                .props('unelevated no-caps color=primary data-testid="save-button"').mark("save-button") \
                .classes("max-md:hidden")  # the phone's Save is the header's
    return column


def sidebar_sections(state: CharacterState, options: StudioOptions, *, actions: AppearanceActions,
                     suggests: SuggestionActions, reference: ReferenceActions, choices: Choices,
                     on_generate: Callable[[], Awaitable[None]], card: CardSummary | None) -> None:
    """The collapsible sections; the page builds them once the browser is connected."""
    basic_info_section(state, suggests)
    appearance_section(state, options, actions=actions, suggests=suggests, reference=reference,
                       presets=choices.presets("appearance"), models=choices.image_models(), on_generate=on_generate)
    personality_section(state, suggests)
    advanced_section(state, options, choices.chat_models(), card)


class _Img(SourceElement):
    """A plain ``<img>`` bound like ``ui.image``: 64 px need no Quasar image component, whose module
    the browser would fetch before it can mount the page's first answer."""

    def __init__(self) -> None:
        super().__init__(tag="img", source="")


def _avatar(state: CharacterState) -> None:
    """64 px primary portrait; a spinner covers it while a portrait is being generated."""
    with ui.element("div").classes("relative w-16 h-16 shrink-0 rounded-full overflow-hidden bg-sunken "
                                   "flex items-center justify-center").mark("avatar"):
        _Img().classes("w-full h-full object-cover").props('alt="Primary portrait"') \
            .bind_source_from(state, "image_url", backward=lambda url: url or "") \
            .bind_visibility_from(state, "image_url", backward=bool).mark("avatar-image")
        ui.icon("person", size="lg", color="placeholder") \
            .bind_visibility_from(state, "image_url", backward=lambda u: not u)
        with ui.element("div").classes("absolute inset-0 flex items-center justify-center bg-scrim") \
                .bind_visibility_from(state, "is_generating").mark("avatar-spinner"):
            ui.spinner(color="on-scrim", size="md")
