"""The Scenes tab: scene cards (image or placeholder, name overlay, Edit / Delete) and "Add Scene".

A card's picture opens the scene (click, Enter or Space) and shows the progress while its image is
being made.

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
from ui.components.activate import button_like
from ui.components.confirm_dialog import confirm
from ui.components.scene_dialog import open_scene_dialog
from ui.state import CharacterState


def scenes_gallery(state: CharacterState, actions: SceneActions) -> ui.column:
    with ui.column().classes("w-full gap-3") as column:
        with ui.row().classes("w-full items-center justify-between"):
            ui.label("Scenes").classes("text-lg font-medium")
            # a phone has the bottom bar's "Add scene" under the thumb: one of each control
            ui.button("Add Scene", icon="add", on_click=lambda: open_scene_dialog(actions)) \
                .props('unelevated no-caps color=primary data-testid="add-scene"').mark("add-scene") \
                .classes("max-md:hidden")

        @ui.refreshable
        def grid() -> None:
            scenes = actions.scenes()
            if not scenes:
                ui.label("No scenes yet: add one to give chats a place to start.").classes("text-muted") \
                    .mark("no-scenes")
                return
            with ui.element("div").classes("grid grid-cols-2 md:grid-cols-3 xl:grid-cols-4 gap-3 w-full"):
                for scene in scenes:
                    _scene_card(scene, state, actions)

        grid()

    def redraw() -> None:
        if not column.is_deleted:
            grid.refresh()

    actions.changed.subscribe(redraw)
    return column


def _scene_card(scene: CharacterScene, state: CharacterState, actions: SceneActions) -> None:
    """The picture (or its placeholder) and the name open the scene, by click, Enter or Space; while
    the scene's image is being made, the picture shows the progress."""
    client = ui.context.client  # the card may be redrawn while the question is open

    def open_scene() -> None:
        _in(client, lambda: open_scene_dialog(actions, scene))

    def making_this(busy: bool) -> bool:
        return bool(busy) and actions.generating_scene() == scene.id

    async def delete() -> None:
        if await confirm(f"Delete the scene “{scene.scene_name}”? This cannot be undone.", client=client):
            await actions.delete_scene(scene.id)

    with ui.card().tight().classes("relative overflow-hidden group") \
            .props('flat bordered data-testid="scene-card"').mark("scene-card", f"scene-{scene.id}"):
        with ui.element("div").classes("relative w-full aspect-video bg-sunken flex items-center justify-center "
                                       "cursor-pointer") \
                .props('data-testid="scene-open"').mark("scene-open").on("click", open_scene) as picture:
            button_like(picture, f"Open the scene {scene.scene_name}", open_scene)
            if scene.image_url:
                ui.image(scene.image_url).classes("absolute inset-0 w-full h-full").props("fit=cover")
            else:
                ui.icon("landscape", size="xl", color="placeholder")
            with ui.element("div").classes("absolute inset-x-0 bottom-0 px-2 py-1 bg-scrim-fade"):
                ui.label(scene.scene_name).classes("text-on-scrim text-sm font-medium truncate")
            with ui.element("div").classes("absolute inset-0 flex flex-col items-center justify-center gap-1 "
                                           "bg-scrim text-on-scrim") \
                    .props('data-testid="scene-progress"').mark("scene-progress") \
                    .bind_visibility_from(state, "is_generating", backward=making_this):
                ui.spinner(size="md", color="on-scrim")
                ui.label().classes("text-xs").props('aria-live="polite"') \
                    .bind_text_from(state, "progress", backward=lambda p: f"Making the image… {round((p or 0) * 100)}%")
        with ui.row().classes("w-full items-center justify-end gap-0 px-1"):
            ui.button(icon="edit", on_click=open_scene) \
                .props('flat round dense size=sm aria-label="Edit scene"').tooltip("Edit").mark("scene-edit")
            ui.button(icon="delete", on_click=delete) \
                .props('flat round dense size=sm color=negative aria-label="Delete scene"').tooltip("Delete") \
                .mark("scene-delete")


def _in(client: Client, build: Callable[[], object]) -> None:
    """Open a dialog in the page's layout: the card that asked may be redrawn while it is open."""
    with client.layout:
        build()
