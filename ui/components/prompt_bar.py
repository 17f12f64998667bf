"""The prompt bar under the gallery: a growing textarea, the reference menu, the model, and Generate.

Ctrl+Enter (Cmd+Enter) in the textarea generates, so a keyboard user never leaves the prompt.

Generate shows the real progress of the running job (from ``job.progress`` events) as a percentage.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from core.generation.prompt import MAX_USER_PROMPT
from core.generation.routing import RoutedModel
from ui.components.model_selector import model_selector
from ui.state import CharacterState, StudioOptions


def prompt_bar(state: CharacterState, options: StudioOptions, *, models: list[RoutedModel],
               on_generate: Callable[[], Awaitable[None]], on_remove_reference: Callable[[], Awaitable[None]],
               on_upload: Callable[[], None], on_library: Callable[[], None]) -> None:
    with ui.row().classes("w-full items-end gap-2 no-wrap p-2 bg-surface text-on-surface border-t border-divider"):
        prompt = ui.textarea(placeholder="Describe the shot: outfit, place, light… (optional)") \
            .bind_value(options, "prompt").props(f'autogrow outlined dense maxlength={MAX_USER_PROMPT} counter '
                                                 'aria-label="Prompt: describe the shot" data-testid="prompt-input"') \
            .classes("col min-w-0").mark("prompt-input")
        # Ctrl+Enter (Cmd+Enter on a Mac) generates; a plain Enter stays a new line
        prompt.on("keydown.enter.ctrl.prevent", lambda: on_generate())
        prompt.on("keydown.enter.meta.prevent", lambda: on_generate())
        with ui.button(icon="face").props('flat round aria-label="Reference image" data-testid=reference-menu') as ref:
            ui.badge().bind_visibility_from(state, "reference_image_url", backward=bool) \
                .props("floating rounded color=positive")
            with ui.menu():
                ui.menu_item("Upload reference", on_upload)
                ui.menu_item("From library", on_library)
                ui.menu_item("Remove reference", on_remove_reference) \
                    .bind_visibility_from(state, "reference_image_url", backward=bool)
        ref.tooltip("Reference image (Image Match Mode)")
        with ui.element("div").classes("max-md:hidden"):
            model_selector(options, models, dense=True)
        button = ui.button(on_click=on_generate, icon="auto_awesome") \
            .props('unelevated color=primary data-testid="generate-button"').mark("generate-button")
        button.bind_text_from(state, "progress", backward=lambda _p: _label(state))
        button.bind_text_from(state, "is_generating", backward=lambda _g: _label(state))
        button.bind_enabled_from(state, "is_generating", backward=lambda busy: not busy)


def _label(state: CharacterState) -> str:
    if not state.is_generating:
        return "Generate"
    return f"{round((state.progress or 0) * 100)}%"
