"""The image picker dialog: choose a reference image from the user's stored pictures.

It lists what ``actions.library()`` returns — earlier reference uploads and generated portraits of any
of the user's characters — as thumbnails, so a face that worked once can be reused without
downloading and uploading it again. Loading happens after the dialog opens, so a large library never
delays the click.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import background_tasks, ui

from core.reference_images import LibraryImage
from ui.actions import Library
from ui.components.transient_dialog import show_transient

KIND_LABELS = {"reference": "Reference", "portrait": "Portrait"}


def open_image_picker(actions: Library, on_pick: Callable[[LibraryImage], Awaitable[None]]) -> ui.dialog:
    """Open the picker now and fill it when the library has loaded; a click hands the image to ``on_pick``."""
    with ui.dialog().props('aria-label="Image library"') as dialog, \
            ui.card().classes("w-[720px] max-w-full").mark("image-picker"):
        with ui.row().classes("w-full items-center justify-between"):
            ui.label("Choose a reference image").classes("text-lg font-medium")
            ui.button(icon="close", on_click=dialog.close).props('flat round dense aria-label="Close"')
        with ui.column().classes("w-full") as body:
            ui.spinner(size="lg").classes("self-center")
    show_transient(dialog)
    background_tasks.create(_fill(actions, body, dialog, on_pick), name="image-picker", context=body)
    return dialog


async def _fill(actions: Library, body: ui.column, dialog: ui.dialog,
                on_pick: Callable[[LibraryImage], Awaitable[None]]) -> None:
    images = await actions.library()
    if body.is_deleted:
        return
    body.clear()
    with body:
        if not images:
            ui.label("No stored images yet: upload a reference or generate a portrait first.") \
                .classes("text-muted")
            return
        with ui.element("div").classes("grid grid-cols-3 sm:grid-cols-4 gap-2 w-full max-h-[60vh] overflow-y-auto"):
            for image in images:
                _thumbnail(image, dialog, on_pick)


def _thumbnail(image: LibraryImage, dialog: ui.dialog, on_pick: Callable[[LibraryImage], Awaitable[None]]) -> None:
    async def pick() -> None:
        await on_pick(image)
        dialog.close()

    with ui.card().tight().classes("cursor-pointer hover:shadow-lg").on("click", pick) \
            .mark("library-image").props('data-testid="library-image"'):
        ui.image(image.thumbnail_url).classes("aspect-square w-full object-cover")
        ui.label(KIND_LABELS.get(image.kind, image.kind)).classes("text-xs text-muted px-2 py-1")
