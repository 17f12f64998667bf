"""A row of appearance preset chips that show which presets are applied, and toggle them.

Whether a preset is applied is read off the character's tags (``actions.preset_applied``), never kept
in the chip: the chips follow ``state.appearance_tags`` and ``state.clothing_tags`` through one-way
bindings, so a tag removed by hand, a template or another tab's edit shows at once. An applied chip
is filled with a check mark and ``aria-pressed=true``; clicking it again removes its tags.
"""

from __future__ import annotations

from nicegui import binding, ui

from core.models import Preset
from ui.actions import AppearanceActions
from ui.state import CharacterState


class PresetChip(ui.chip):
    """One preset; its look follows the two tag lists it is bound to."""

    appearance = binding.BindableProperty(on_change=lambda self, _value: self.refresh())
    clothing = binding.BindableProperty(on_change=lambda self, _value: self.refresh())

    def __init__(self, preset: Preset, actions: AppearanceActions, marker: str) -> None:
        super().__init__(preset.label, on_click=self._toggle)
        self.preset = preset
        self.actions = actions
        self.applied: bool | None = None
        self.props(f'clickable role=button color=primary data-testid="{marker}" data-preset="{preset.key}"')
        self.classes("text-xs").mark(marker, f"{marker}-{preset.key}")
        self.tooltip(preset.prompt or preset.label)
        self.appearance: list[str] = []
        self.clothing: list[str] = []

    def follow(self, state: CharacterState) -> PresetChip:
        binding.bind_from(self, "appearance", state, "appearance_tags", backward=lambda v: list(v or []))
        binding.bind_from(self, "clothing", state, "clothing_tags", backward=lambda v: list(v or []))
        self.refresh()
        return self

    def refresh(self) -> None:
        applied = self.actions.preset_applied(self.preset)
        if applied == self.applied:
            return
        self.applied = applied
        self.props["aria-pressed"] = "true" if applied else "false"
        if applied:
            self.props(remove="outline").props("icon=check")
        else:
            self.props("outline").props(remove="icon")
        self.update()

    async def _toggle(self) -> None:
        await self.actions.toggle_preset(self.preset)


def preset_chips(presets: list[Preset], state: CharacterState, actions: AppearanceActions, *,
                 marker: str = "preset-chip") -> ui.row:
    """One chip per preset, in the given order; each carries ``marker`` and ``marker-<key>``."""
    with ui.row().classes("w-full gap-1 flex-wrap") as row:
        for preset in presets:
            PresetChip(preset, actions, marker).follow(state)
    return row
