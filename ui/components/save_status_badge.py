"""The save-status badge (Saving / Saved / Unsaved / Error / Conflict) and the conflict choices.

It shows from the first edit, a new character's included (a draft is created once it has a name), and
its tooltip says what the word means right now: why a save was refused, or that a nameless character
is not kept yet.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from ui.components.deferred import Deferred, after_connect
from ui.state import STATUS_LABELS, CharacterState

# The theme's brand colours (ui/theme.py): white text on each is at least 4.5:1.
COLORS = {"saved": "positive", "saving": "primary", "unsaved": "warning", "error": "negative", "conflict": "negative"}


def save_status_badge(state: CharacterState, on_reload: Callable[[], None],
                      on_overwrite: Callable[[], Awaitable[None]]) -> None:
    with ui.row().classes("items-center gap-1 no-wrap") as row:
        badge = ui.badge().props('data-testid="save-status"').mark("save-status")
        with badge:
            tooltip = ui.tooltip().mark("save-status-tooltip")
        for source in ("character_id", "dirty", "save_status"):  # shown once there is something to say
            badge.bind_visibility_from(state, source, backward=lambda _value: _shown(state))
        for source in ("save_status", "error_message", "character_id"):
            tooltip.bind_text_from(state, source, backward=lambda _value: status_hint(state))
        _bind_color(badge, state)

    def conflict_choices() -> None:
        with ui.row().classes("gap-1 no-wrap").bind_visibility_from(state, "save_status",
                                                                    backward=lambda s: s == "conflict"):
            ui.button("Reload theirs", on_click=on_reload).props("dense flat size=sm color=warning")
            ui.button("Overwrite", on_click=on_overwrite).props("dense flat size=sm color=negative")

    after_connect(Deferred(row, conflict_choices))  # a conflict is found by saving, over the websocket


def status_hint(state: CharacterState) -> str:
    """What the badge's word means now, in a sentence (its tooltip and accessible description)."""
    status = state.save_status
    if status == "error":
        return f"Not saved: {state.error_message or 'saving failed'}. Your text is kept; fix it and it saves again."
    if status == "conflict":
        return "Changed elsewhere too: reload theirs or overwrite with yours"
    if status == "saving":
        return "Saving your changes…"
    if status == "unsaved":
        if state.is_new:
            return "Not saved yet: give the character a name and it is kept as a private draft"
        return "Changes are saved a moment after you stop typing"
    return "Every change is saved" if state.character_id else ""


def _shown(state: CharacterState) -> bool:
    return bool(state.character_id) or state.dirty or state.save_status in ("saving", "error")


def _bind_color(badge: ui.badge, state: CharacterState) -> None:
    def apply(status: str) -> str:
        badge.props(f"color={COLORS.get(status, 'neutral')}")
        return status

    badge.bind_text_from(state, "save_status", backward=lambda s: STATUS_LABELS.get(apply(s), s))
