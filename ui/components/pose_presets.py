"""Quick pose chips above the gallery: at most one selected pose goes into the next prompt."""

from __future__ import annotations

from nicegui import ui

from core.models import Preset
from ui.state import StudioOptions


def pose_presets(poses: list[Preset], options: StudioOptions) -> None:
    def changed(preset: Preset, selected: bool) -> None:
        if selected:
            options.pose = preset.prompt
        elif options.pose == preset.prompt:
            options.pose = None

    with ui.row().classes("gap-1 flex-wrap"):
        for preset in poses:
            ui.chip(preset.label, selectable=True, color="primary",
                    on_selection_change=lambda e, p=preset: changed(p, e.value)) \
                .bind_selected_from(options, "pose", backward=lambda v, p=preset: v == p.prompt) \
                .props(f'outline data-testid="pose-preset" data-pose="{preset.key}"').mark(f"pose-{preset.key}")
