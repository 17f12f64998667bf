"""The image model selector: "Automatic" routing or one active model, with I2I capability shown.

"Automatic" (``options.model_id is None``) lets routing pick the best active model, and an I2I-capable
one when a reference is set. The built-in provider is an offline preview renderer (a deterministic
picture, no AI), so it is labelled that way: people must not mistake its output for a model's.
"""

from __future__ import annotations

from nicegui import ui

from core.generation.routing import RoutedModel
from ui.state import StudioOptions

AUTOMATIC = "automatic"  # QSelect cannot show a label for a None value, so "Automatic" has a key
BUILTIN_LABEL = "Offline preview renderer"


def model_label(model: RoutedModel) -> str:
    """What the selector shows for a model: the builtin gets its honest name, I2I models a marker."""
    name = BUILTIN_LABEL if model.provider.kind == "builtin" else model.model.display_name
    return f"{name} · I2I" if model.supports_i2i else name


def model_selector(options: StudioOptions, models: list[RoutedModel], *, dense: bool = False) -> ui.row:
    """A select bound to ``options.model_id`` plus a badge saying whether the choice keeps a reference face."""
    choices: dict[str, str] = {AUTOMATIC: "Automatic (best available)"}
    choices.update({m.model.id: model_label(m) for m in models})
    i2i_ids = {m.model.id for m in models if m.supports_i2i}

    def keeps_face(model_id: str | None) -> bool:
        return model_id is None or model_id in i2i_ids  # automatic routing picks an I2I model when needed

    with ui.row().classes("w-full items-center gap-2 no-wrap") as row:
        select = ui.select(choices, label="Image model", value=AUTOMATIC) \
            .bind_value(options, "model_id", forward=lambda v: None if v in (None, AUTOMATIC) else v,
                        backward=lambda v: v if v in choices else AUTOMATIC) \
            .classes("flex-1 min-w-0").props('outlined options-dense data-testid="model-selector"') \
            .mark("model-selector")
        if dense:
            select.props("dense")
        ui.badge("I2I", color="positive").tooltip("This choice can keep the reference image's face") \
            .bind_visibility_from(options, "model_id", backward=keeps_face).mark("model-i2i-badge")
    return row
