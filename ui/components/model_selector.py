"""The image-model choice: "Automatic" (the studio's routing) or one active model, I2I ones marked."""

from __future__ import annotations

from nicegui import ui

from core.generation.routing import RoutedModel
from ui.state import StudioOptions

AUTOMATIC = "Automatic (best available)"


def model_label(routed: RoutedModel) -> str:
    name = "Offline preview renderer" if routed.provider.name == "builtin" else routed.model.display_name
    return f"{name} · I2I" if routed.supports_i2i else name


def model_selector(options: StudioOptions, models: list[RoutedModel], dense: bool = False) -> ui.select:
    choices: dict[str | None, str] = {None: AUTOMATIC, **{m.model.id: model_label(m) for m in models}}
    select = ui.select(choices, label=None if dense else "Image model").bind_value(options, "model_id") \
        .props('outlined options-dense data-testid="model-selector"' + (" dense" if dense else "")) \
        .classes("min-w-[10rem]").mark("model-selector")
    return select
