"""Appearance presets of one tab's character: which are applied, and applying or removing one.

A preset is a shortcut to tags ("Red hair" adds ``red hair`` to the appearance tags), so whether it
is applied is read off the character's tags, never kept beside them: a tag removed by hand, a
template, a suggestion or another tab's edit shows on the chip at once. Removing a preset removes
the tags it adds (in any letter case), and leaves every other tag alone.
"""

from __future__ import annotations

from core.models import Preset
from core.presets import PresetTags, preset_tags
from ui.tab_session import TabSession


def is_applied(preset: Preset, appearance: list[str], clothing: list[str]) -> bool:
    """Every tag the preset adds is there (a preset that adds none is never shown as applied)."""
    tags = preset_tags(preset)
    if not tags.appearance and not tags.clothing:
        return False
    return _contains(appearance, tags.appearance) and _contains(clothing, tags.clothing)


class PresetController:
    """Implements ``AppearanceActions`` on the tab's ``CharacterState``."""

    def __init__(self, session: TabSession) -> None:
        self.state = session.state

    def preset_applied(self, preset: Preset) -> bool:
        return is_applied(preset, list(self.state.appearance_tags or []), list(self.state.clothing_tags or []))

    async def toggle_preset(self, preset: Preset) -> None:
        """Apply the preset, or remove it when it is applied; each list is set anew, so auto-save sees it."""
        tags: PresetTags = preset_tags(preset)
        state = self.state
        if self.preset_applied(preset):
            state.appearance_tags = _without(state.appearance_tags, tags.appearance)
            state.clothing_tags = _without(state.clothing_tags, tags.clothing)
        else:
            state.appearance_tags = _merge(state.appearance_tags, tags.appearance)
            state.clothing_tags = _merge(state.clothing_tags, tags.clothing)


def _contains(current: list[str], wanted: list[str]) -> bool:
    have = {t.casefold() for t in current}
    return all(t.casefold() in have for t in wanted)


def _merge(current: list[str], extra: list[str]) -> list[str]:
    seen = {t.casefold() for t in current}
    return [*current, *[t for t in extra if t.casefold() not in seen]]


def _without(current: list[str], doomed: list[str]) -> list[str]:
    gone = {t.casefold() for t in doomed}
    return [t for t in current if t.casefold() not in gone]
