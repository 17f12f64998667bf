"""The Expressions tab's header: the face, what to make (preset or custom labels, model, background),
"Make expressions", the set job's n of N with Cancel, and the SillyTavern ZIP.

Everything shown follows ``ExpressionState`` through bindings; the model choice is this panel's own
(a ``StudioOptions`` of its own), so choosing a model for the expressions leaves the portrait prompt
bar's choice alone, and only models that keep a face (image-to-image) are offered. A character with
no face cannot start a set: the button is disabled and the reason is written next to it; should the
core refuse anyway, its message is shown at the same place.
"""

from __future__ import annotations

from nicegui import ui

from core.expressions.labels import PRESETS
from core.generation.routing import RoutedModel
from ui.components.expression_labels_field import LabelChips
from ui.components.model_selector import model_selector
from ui.expression_state import NO_FACE, ExpressionActions
from ui.state import StudioOptions

CUSTOM = "custom"
PRESET_CHOICES = {**{key: preset.title for key, preset in PRESETS.items()}, CUSTOM: "Custom labels"}
BACKGROUNDS = {"transparent": "Transparent", "plain": "Plain colour"}


class ExpressionHeader(ui.column):
    def __init__(self, actions: ExpressionActions, models: list[RoutedModel]) -> None:
        super().__init__()
        self.actions = actions
        state = actions.state
        self.options = StudioOptions()  # this panel's model choice
        self.classes("w-full gap-3").mark("expression-header")
        with self:
            with ui.row().classes("w-full items-center gap-3 no-wrap"):
                with ui.element("div").classes("w-14 h-14 shrink-0 rounded-lg overflow-hidden bg-sunken "
                                               "flex items-center justify-center"):
                    ui.image().classes("w-full h-full") \
                        .props('fit=cover alt="The face the expressions are made from"') \
                        .bind_source_from(state, "source_url", backward=lambda url: url or "") \
                        .bind_visibility_from(state, "source_url", backward=bool).mark("expression-source-image")
                    ui.icon("face", size="md", color="placeholder") \
                        .bind_visibility_from(state, "source_url", backward=lambda url: not url)
                with ui.column().classes("gap-0 min-w-0"):
                    ui.label("Expressions").classes("text-lg font-medium")
                    ui.label().bind_text_from(state, "source_text").classes("text-sm text-muted") \
                        .mark("expression-source")
            with ui.row().classes("w-full items-start gap-3"):
                self.preset = ui.toggle(PRESET_CHOICES, value="essential") \
                    .props('no-caps dense unelevated toggle-color=primary aria-label="Labels"').classes("expr-toggle") \
                    .mark("expression-preset")
                self.background = ui.toggle(BACKGROUNDS, value="transparent") \
                    .props('no-caps dense unelevated toggle-color=primary aria-label="Background"') \
                    .classes("expr-toggle").mark("expression-background-choice")
            self.custom = LabelChips()
            self.custom.bind_visibility_from(self.preset, "value", backward=lambda value: value == CUSTOM)
            with ui.element("div").classes("w-full max-w-md"):
                model_selector(self.options, [model for model in models if model.supports_i2i], dense=True)
            with ui.row().classes("w-full items-center gap-2"):
                self.make = ui.button("Make expressions", icon="auto_awesome", on_click=self._make) \
                    .props('unelevated no-caps color=primary data-testid="make-expressions"') \
                    .bind_enabled_from(state, "can_make").mark("make-expressions")
                with ui.row().classes("items-center gap-2").bind_visibility_from(state, "running") \
                        .props('data-testid="expression-progress"').mark("expression-progress"):
                    ui.spinner(size="sm")
                    ui.label().bind_text_from(state, "progress_text").props('aria-live="polite"') \
                        .classes("text-sm").mark("expression-progress-text")
                    ui.button("Cancel", icon="close", on_click=actions.cancel) \
                        .props("flat dense no-caps color=negative").mark("expression-cancel")
                ui.space()
                ui.button("Download SillyTavern sprites (ZIP)", icon="download", on_click=actions.export) \
                    .props('outline no-caps data-testid="export-sprites"').bind_enabled_from(state, "has_images") \
                    .mark("export-sprites")
            self.hint = ui.label(NO_FACE).classes("text-sm text-negative") \
                .bind_visibility_from(state, "can_make", backward=lambda ok: not ok).mark("expression-no-face")
            self.error = ui.label().classes("text-sm text-negative").props('role="alert"') \
                .mark("expression-error-message")
            self.error.set_visibility(False)

    async def _make(self) -> None:
        self._show_error(None)
        preset: str | None = self.preset.value
        labels: list[str] | None = None
        if preset == CUSTOM:
            labels = self.custom.labels()
            if labels is None:
                return  # the reason is at the field; nothing is sent
            preset = None
        self.make.disable()
        try:
            problem = await self.actions.start(preset=preset, labels=labels, background=self.background.value,
                                               api_model_id=self.options.model_id)
        finally:
            if not self.make.is_deleted and self.actions.state.can_make:
                self.make.enable()
        self._show_error(problem)

    def _show_error(self, message: str | None) -> None:
        self.error.set_text(message or "")
        self.error.set_visibility(bool(message))
