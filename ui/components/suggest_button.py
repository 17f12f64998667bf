"""A small "Suggest" button: runs one AI suggestion and shows a spinner until it is done.

Suggestions can take seconds (a local model), so the button shows Quasar's loading spinner and is
disabled while its call runs: a second click cannot start a duplicate request whose answer would
replace the first proposal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui


def suggest_button(on_suggest: Callable[[], Awaitable[None]], label: str = "Suggest", *,
                   marker: str | None = None, tooltip: str | None = None, icon: str | None = "auto_awesome",
                   size: str = "sm") -> ui.button:
    """A flat button that awaits ``on_suggest`` with a spinner; ``marker`` names it for tests.
    What the suggestion proposes is shown beside its field (:mod:`ui.components.suggest_proposal`),
    never written into it."""

    async def run() -> None:
        button.props("loading")
        button.disable()
        try:
            await on_suggest()
        finally:
            if not button.is_deleted:
                button.props(remove="loading")
                button.enable()

    button = ui.button(label, icon=icon, on_click=run) \
        .props(f"flat dense no-caps size={size} color=primary")
    if marker:
        button.mark(marker).props(f'data-testid="{marker}"')
    if tooltip:
        button.tooltip(tooltip)
    return button
