"""Shown when a save met a newer version: say so plainly and offer both ways out, losing nothing silently."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from ui.state import CharacterState


def conflict_banner(state: CharacterState, on_reload: Callable[[], None],
                    on_overwrite: Callable[[], Awaitable[None]]) -> ui.card:
    with ui.card().props("flat bordered").classes("w-full bg-notice") \
            .bind_visibility_from(state, "save_status", backward=lambda s: s == "conflict") \
            .mark("conflict-banner") as banner:
        with ui.row().classes("items-center gap-2 no-wrap"):
            ui.icon("sync_problem", color="warning", size="md")
            ui.label("This character was changed elsewhere since you opened it. Reload their version "
                     "(your edits here are dropped) or overwrite it with yours.").classes("text-sm")
        with ui.row().classes("gap-2 justify-end w-full"):
            ui.button("Reload theirs", on_click=on_reload).props("flat no-caps color=warning").mark("reload-theirs")
            ui.button("Overwrite", on_click=on_overwrite).props("unelevated no-caps color=negative") \
                .mark("overwrite")
    return banner
