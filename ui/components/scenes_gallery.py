"""The Scenes tab: scene cards (image or placeholder, name overlay, Edit / Delete) and "Add Scene".

The grid is a refreshable owned by this call (one per open tab, never module-level). It redraws when
the controller announces a changed scene list through ``actions.changed`` — after a save or
delete here, or a ``scene.changed`` event from another tab — and stops listening when the tab goes
(a ``nicegui.Event`` subscription made in a page ends with its client).
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui
from nicegui.client import Client

from core.models import CharacterScene
from ui.actions import SceneActions
from ui.components.confirm_dialog import confirm
from ui.components.scene_dialog import open_scene_dialog


def scenes_gallery(actions: SceneActions) -> ui.column:
    with ui.column().classes("w-full gap-3") as column:
        with ui.row().classes("w-full items-center justify-between"):
            ui.label("Scenes").classes("text-lg font-medium")
            ui.button("Add Scene", icon="add", on_click=lambda: open_scene_dialog(actions)) \
                .props('unelevated no-caps color=primary data-testid="add-scene"').mark("add-scene")

        @ui.refreshable
        def grid() -> None:
            scenes = actions.scenes()
            if not scenes:
                ui.label("No scenes yet: add one to give chats a place to start.").classes("text-muted") \
                    .mark("no-scenes")
                return
            with ui.element("div").classes("grid grid-cols-2 md:grid-cols-3 xl:grid-cols-4 gap-3 w-full"):
                for scene in scenes:
                    _scene_card(scene, actions)

        grid()

    def redraw() -> None:
        if not column.is_deleted:
            grid.refresh()

    actions.changed.subscribe(redraw)
    return column


def _scene_card(scene: CharacterScene, actions: SceneActions) -> None:
    client = ui.context.client  # the card may be redrawn while the question is open

    async def delete() -> None:
        if await confirm(f"Delete the scene “{scene.scene_name}”? This cannot be undone.", client=client):
            await actions.delete_scene(scene.id)

    with ui.card().tight().classes("relative overflow-hidden group") \
            .props('flat bordered data-testid="scene-card"').mark("scene-card", f"scene-{scene.id}"):
        with ui.element("div").classes("relative w-full aspect-video bg-sunken flex items-center justify-center"):
            if scene.image_url:
                ui.image(scene.image_url).classes("absolute inset-0 w-full h-full").props("fit=cover")
            else:
                ui.icon("landscape", size="xl", color="placeholder")
            with ui.element("div").classes("absolute inset-x-0 bottom-0 px-2 py-1 bg-gradient-to-t "
                                           "from-black/70 to-transparent"):
                ui.label(scene.scene_name).classes("text-on-scrim text-sm font-medium truncate")
        with ui.row().classes("w-full items-center justify-end gap-0 px-1"):
            ui.button(icon="edit", on_click=lambda: _in(client, lambda: open_scene_dialog(actions, scene))) \
                .props('flat round dense size=sm aria-label="Edit scene"').tooltip("Edit").mark("scene-edit")
            ui.button(icon="delete", on_click=delete) \
                .props('flat round dense size=sm color=negative aria-label="Delete scene"').tooltip("Delete") \
                .mark("scene-delete")


def _in(client: Client, build: Callable[[], object]) -> None:
    """Open a dialog in the page's layout: the card that asked may be redrawn while it is open."""
    with client.layout:
        build()
