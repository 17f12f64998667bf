"""The phone layout's bottom bar: what the current tab's main action is (the Portraits tab has its
own prompt bar, so the bar hides there)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from ui.actions import SceneEditing
from ui.components.scene_dialog import open_scene_dialog
from ui.state import CharacterState


def mobile_bottom_bar(state: CharacterState, scenes: SceneEditing, tabs: ui.tabs,
                      on_generate: Callable[[], Awaitable[None]]) -> None:
    with ui.footer().classes("md:hidden bg-surface text-on-surface border-t border-divider p-2 gap-2 justify-end") \
            .bind_visibility_from(tabs, "value", backward=lambda tab: tab != "portraits") \
            .mark("mobile-bottom-bar"):
        with ui.row().classes("w-full gap-2 no-wrap justify-end") \
                .bind_visibility_from(tabs, "value", backward=lambda tab: tab == "details"):
            ui.button("Generate portrait", icon="brush", on_click=lambda: on_generate()) \
                .props("unelevated no-caps color=primary").classes("w-full") \
                .bind_enabled_from(state, "is_generating", backward=lambda busy: not busy)
        with ui.row().classes("w-full justify-end") \
                .bind_visibility_from(tabs, "value", backward=lambda tab: tab == "scenes"):
            ui.button("Add scene", icon="add", on_click=lambda: open_scene_dialog(scenes)) \
                .props("unelevated no-caps color=primary").mark("mobile-add-scene")
