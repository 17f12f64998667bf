"""A row of clickable preset chips (appearance presets in the sidebar, poses elsewhere).

A chip is a shortcut, not a mode: clicking one hands the preset to ``on_pick`` (for appearance
presets the controller merges its tags into the character), so the chips need no state of their own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from core.models import Preset


def preset_chips(presets: list[Preset], on_pick: Callable[[Preset], Awaitable[None]], *,
                 marker: str = "preset-chip") -> ui.row:
    """One chip per preset, in the given order; each chip carries ``marker`` and ``marker-<key>``."""
    with ui.row().classes("w-full gap-1 flex-wrap") as row:
        for preset in presets:
            _chip(preset, on_pick, marker)
    return row


def _chip(preset: Preset, on_pick: Callable[[Preset], Awaitable[None]], marker: str) -> None:
    async def pick() -> None:
        await on_pick(preset)

    ui.chip(preset.label, on_click=pick) \
        .props(f'outline clickable color=primary data-testid="{marker}"') \
        .classes("text-xs") \
        .mark(marker, f"{marker}-{preset.key}") \
        .tooltip(preset.prompt or preset.label)
