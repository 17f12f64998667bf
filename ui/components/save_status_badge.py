"""The save-status badge (Saving / Saved / Unsaved / Error / Conflict) and the conflict choices."""

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
        badge.bind_visibility_from(state, "character_id", backward=bool)
        _bind_color(badge, state)

    def conflict_choices() -> None:
        with ui.row().classes("gap-1 no-wrap").bind_visibility_from(state, "save_status",
                                                                    backward=lambda s: s == "conflict"):
            ui.button("Reload theirs", on_click=on_reload).props("dense flat size=sm color=warning")
            ui.button("Overwrite", on_click=on_overwrite).props("dense flat size=sm color=negative")

    after_connect(Deferred(row, conflict_choices))  # a conflict is found by saving, over the websocket


def _bind_color(badge: ui.badge, state: CharacterState) -> None:
    def apply(status: str) -> str:
        badge.props(f"color={COLORS.get(status, 'neutral')}")
        return status

    badge.bind_text_from(state, "save_status", backward=lambda s: STATUS_LABELS.get(apply(s), s))
