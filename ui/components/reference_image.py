"""The reference image block: preview, the Image Match Mode badge, Upload / Library / Remove.

A reference image makes portraits keep one face (image-to-image). The badge says how many active
models can do that, so a person knows the reference will be used; with none, routing falls back to
text-only and the badge shows 0. Uploading goes through ``actions.upload_reference`` (which saves a
new character first and runs the image gate: HEIC, size, orientation), never straight to storage.
"""

from __future__ import annotations

from nicegui import ui

from ui.actions import ReferenceActions
from ui.components.file_picker import FilePicker
from ui.components.image_picker import open_image_picker
from ui.state import CharacterState, StudioOptions

UPLOAD_MAX_BYTES = 20 * 1024 * 1024  # the browser refuses bigger files early; the core gate has the real limit
ACCEPT = "image/png,image/jpeg,image/webp,image/heic,image/heif,.heic,.heif"


def reference_image(state: CharacterState, options: StudioOptions, actions: ReferenceActions) -> ui.column:
    """Reference preview and controls, all bound to ``state.reference_image_url``."""

    def has_reference(url: str | None) -> bool:
        return bool(url)

    with ui.column().classes("w-full gap-2") as column:
        with ui.row().classes("w-full items-center gap-3 no-wrap"):
            with ui.element("div").classes("w-16 h-16 shrink-0 rounded-lg overflow-hidden bg-sunken "
                                           "flex items-center justify-center"):
                ui.image().classes("w-full h-full").props('fit=cover alt="Reference image"') \
                    .bind_source_from(state, "reference_image_url", backward=lambda url: url or "") \
                    .bind_visibility_from(state, "reference_image_url", backward=has_reference) \
                    .mark("reference-preview")
                ui.icon("face", size="md", color="placeholder") \
                    .bind_visibility_from(state, "reference_image_url", backward=lambda url: not url)
            with ui.column().classes("gap-1 min-w-0"):
                ui.label("Reference image").classes("text-sm font-medium")
                with ui.row().classes("items-center gap-1") \
                        .bind_visibility_from(state, "reference_image_url", backward=has_reference):
                    ui.badge("Image Match Mode", color="positive").mark("image-match-mode")
                    ui.badge(color="neutral") \
                        .bind_text_from(options, "i2i_count", backward=_i2i_label) \
                        .props('data-testid="i2i-count"').mark("i2i-count") \
                        .tooltip("Active models that can keep the face of the reference")
                ui.label("Upload a face to keep it in every portrait").classes("text-xs text-muted") \
                    .bind_visibility_from(state, "reference_image_url", backward=lambda url: not url)
        upload = FilePicker(actions.upload_reference, accept=ACCEPT, max_bytes=UPLOAD_MAX_BYTES) \
            .props('data-testid="reference-upload"').mark("reference-upload")
        with ui.row().classes("gap-1"):
            ui.button("Upload", icon="upload", on_click=upload.pick) \
                .props("outline dense no-caps size=sm").mark("reference-upload-button")
            ui.button("Library", icon="photo_library",
                      on_click=lambda: open_image_picker(actions, actions.pick_reference)) \
                .props("outline dense no-caps size=sm").mark("reference-library")
            ui.button("Remove", icon="close", on_click=actions.remove_reference) \
                .props("flat dense no-caps size=sm color=negative").mark("reference-remove") \
                .bind_visibility_from(state, "reference_image_url", backward=has_reference)
    return column


def _i2i_label(count: int | None) -> str:
    count = count or 0
    return f"{count} I2I model{'' if count == 1 else 's'} active"
