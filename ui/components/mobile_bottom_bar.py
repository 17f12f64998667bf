"""The phone layout's bottom bar: the Scenes tab's main action, "Add scene", under the thumb.

One of each control on a phone: the Portraits tab has its own prompt bar with Generate, and Details
has the Appearance section's Generate and the header's Save, so the bar shows on Scenes only (and
the Scenes tab's own "Add Scene" is hidden on phones).
"""

from __future__ import annotations

from nicegui import ui

from ui.actions import SceneEditing
from ui.components.scene_dialog import open_scene_dialog


def mobile_bottom_bar(scenes: SceneEditing, tabs: ui.tabs) -> None:
    with ui.footer().classes("md:hidden bg-surface text-on-surface border-t border-divider p-2 gap-2 justify-end") \
            .bind_visibility_from(tabs, "value", backward=lambda tab: tab == "scenes") \
            .mark("mobile-bottom-bar"):
        ui.button("Add scene", icon="add", on_click=lambda: open_scene_dialog(scenes)) \
            .props('unelevated no-caps color=primary data-testid="mobile-add-scene"').mark("mobile-add-scene")
