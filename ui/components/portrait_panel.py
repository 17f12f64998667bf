"""The create form's portrait panel: the primary portrait, appearance presets, model and Generate.

The preview follows ``state.image_url`` (the primary portrait), so a portrait finished by the pipeline
shows up without a reload; while generating, an overlay with the real progress covers it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from core.generation.routing import RoutedModel
from core.models import Preset
from ui.actions import AppearanceActions
from ui.components.model_selector import model_selector
from ui.components.preset_chips import preset_chips
from ui.state import CharacterState, StudioOptions


def portrait_panel(state: CharacterState, options: StudioOptions, *, presets: list[Preset],
                   models: list[RoutedModel], preset_actions: AppearanceActions,
                   on_generate: Callable[[], Awaitable[None]]) -> ui.column:
    with ui.column().classes("w-full gap-3") as panel:
        with ui.element("div").classes("relative w-full aspect-square rounded-xl overflow-hidden bg-sunken"):
            ui.image().classes("w-full h-full").props('fit=cover alt="Primary portrait"') \
                .bind_source_from(state, "image_url", backward=lambda url: url or "") \
                .bind_visibility_from(state, "image_url", backward=bool).mark("portrait-preview")
            with ui.column().classes("absolute-full items-center justify-center gap-1 text-muted") \
                    .bind_visibility_from(state, "image_url", backward=lambda url: not url):
                ui.icon("person", size="5rem")
                ui.label("No portrait yet").classes("text-sm").mark("portrait-placeholder")
            with ui.column().classes("absolute-full items-center justify-center gap-2 bg-scrim text-on-scrim") \
                    .bind_visibility_from(state, "is_generating").mark("generating-overlay"):
                ui.spinner(size="3rem", color="on-scrim")
                ui.label().bind_text_from(state, "progress", backward=lambda p: f"Generating… {round((p or 0) * 100)}%")
        ui.label("Appearance presets").classes("text-xs font-medium text-muted")
        preset_chips(presets, state, preset_actions, marker="appearance-preset")
        model_selector(options, models)
        ui.button("Generate Portrait", icon="auto_awesome", on_click=lambda: on_generate()) \
            .props('unelevated no-caps data-testid="generate-portrait"').classes("w-full") \
            .bind_enabled_from(state, "is_generating", backward=lambda busy: not busy).mark("generate-portrait")
    return panel
