"""The sidebar's Appearance section: what portraits are generated from, and the Generate button.

Preset chips add typical tags in one click; the details text (``appearance_details``: looks in
prose, its own field - personality traits live in the Personality section) and the two tag lists
feed the prompt builder; the reference image and model selector decide
how the picture is made. "Generate Portrait" sits here so the person can tweak and generate without
leaving the section.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from core.generation.routing import RoutedModel
from core.models import Preset
from ui.actions import AppearanceActions, ReferenceActions
from ui.components.model_selector import model_selector
from ui.components.preset_chips import preset_chips
from ui.components.reference_image import reference_image
from ui.components.suggest_button import suggest_button
from ui.components.suggest_proposal import SuggestProposal
from ui.components.tag_chips import tag_chips
from ui.state import CharacterState, StudioOptions
from ui.suggestion_state import SuggestionActions


def appearance_section(state: CharacterState, options: StudioOptions, *, actions: AppearanceActions,
                       suggests: SuggestionActions, reference: ReferenceActions, presets: list[Preset],
                       models: list[RoutedModel], on_generate: Callable[[], Awaitable[None]]) -> ui.expansion:
    section = ui.expansion("Appearance", icon="face_retouching_natural", value=True).classes("w-full") \
        .props("dense header-class=text-weight-medium").mark("section-appearance")
    with section, ui.column().classes("w-full gap-3"):
        preset_chips(presets, state, actions, marker="appearance-preset")
        ui.textarea("Appearance details", placeholder="e.g. a thin scar through the left brow") \
            .bind_value(state, "appearance_details") \
            .props('outlined autogrow data-testid="appearance-details"').classes("w-full").mark("appearance-details")
        tag_chips(state, "appearance_tags", "Physical appearance tags", marker="appearance-tags")
        tag_chips(state, "clothing_tags", "Default outfit tags", marker="clothing-tags")
        with ui.row().classes("w-full justify-end"):
            suggest_button(lambda: suggests.suggest("appearance"), marker="suggest-appearance",
                           tooltip="Suggest appearance and outfit tags to add")
        SuggestProposal(suggests, "appearance")
        ui.separator()
        reference_image(state, options, reference)
        model_selector(options, models)
        with ui.row().classes("w-full items-center justify-end no-wrap"):
            ui.button("Generate Portrait", icon="brush", on_click=lambda: on_generate()) \
                .props('unelevated no-caps color=primary data-testid="generate-portrait"') \
                .bind_enabled_from(state, "is_generating", backward=lambda busy: not busy) \
                .mark("generate-portrait")
    return section
