"""The scene dialog: create or edit a scene (name, description, starters, system prompt).

Fields are checked with the same rules the core applies (``core.scenes.validate_scene``, a pure
function) before saving, so a bad field gets its message right under it instead of only a toast; a
save that still fails keeps the dialog open with everything typed. "Generate scene image" runs the
portrait pipeline with the scene's text, for a scene that exists.
"""

from __future__ import annotations

from typing import Any

from nicegui import ui

from core.errors import ValidationError
from core.models import CharacterScene
from core.scenes import SCENE_NAME_MAX, STARTERS_MAX, validate_scene
from ui.actions import SceneEditing
from ui.components.transient_dialog import show_transient


class _Form:
    """The dialog's editable copy of a scene; the dialog binds to it and saves it as one change."""

    def __init__(self, scene: CharacterScene | None) -> None:
        self.scene_name = scene.scene_name if scene else ""
        self.scene_description = (scene.scene_description or "") if scene else ""
        self.system_prompt = (scene.system_prompt or "") if scene else ""

    def data(self, starters: list[str]) -> dict[str, Any]:
        return {"scene_name": self.scene_name or "", "scene_description": self.scene_description or None,
                "scene_starters": starters, "system_prompt": self.system_prompt or None}


def open_scene_dialog(actions: SceneEditing, scene: CharacterScene | None = None) -> ui.dialog:
    """Open the dialog for ``scene`` (None: a new scene); it closes itself after a successful save."""
    form = _Form(scene)
    with ui.dialog().props('aria-label="Scene"') as dialog, \
            ui.card().classes("w-[560px] max-w-full gap-2").mark("scene-dialog"):
        ui.label("Edit scene" if scene else "New scene").classes("text-lg font-medium")
        name = ui.input("Scene name").bind_value(form, "scene_name") \
            .props(f"outlined dense autofocus maxlength={SCENE_NAME_MAX}").classes("w-full").mark("scene-name")
        description = ui.textarea("Description").bind_value(form, "scene_description") \
            .props("outlined autogrow").classes("w-full").mark("scene-description")
        ui.label("Scene starters").classes("text-sm font-medium")
        starters = _StartersEditor(list(scene.scene_starters or []) if scene else [])
        system_prompt = ui.textarea("System prompt").bind_value(form, "system_prompt") \
            .props("outlined autogrow").classes("w-full").mark("scene-system-prompt")
        error = ui.label().classes("text-negative text-sm").mark("scene-error")
        error.visible = False
        fields = {"scene_name": name, "scene_description": description, "system_prompt": system_prompt}

        async def stored() -> bool:
            """Check and save what is typed; on a refusal the dialog stays open with every word kept."""
            for element in fields.values():
                element.error = None
            error.visible = False
            data = form.data(starters.values())
            try:
                validate_scene(data)
            except ValidationError as exc:
                _show_errors(exc.errors, fields, error)
                return False
            if await actions.save_scene(scene.id if scene else None, data):
                return True
            error.text = "The scene could not be saved; your text is kept — see the message above."
            error.visible = True
            return False

        async def save() -> None:
            if await stored():
                dialog.close()

        async def generate_image() -> None:
            """Save what is typed, close, and make the image: it arrives on the scene's card (with its
            progress there), never hidden behind this dialog."""
            if scene is not None and await stored():
                dialog.close()
                await actions.generate_scene_image(scene.id)

        with ui.row().classes("w-full items-center justify-between pt-2"):
            if scene is not None:
                ui.button("Generate scene image", icon="image",
                          on_click=generate_image) \
                    .props("flat no-caps").mark("scene-generate-image")
            else:
                ui.label("Save the scene to generate its image").classes("text-xs text-muted")
            with ui.row().classes("gap-1"):
                ui.button("Cancel", on_click=dialog.close).props("flat no-caps").mark("scene-cancel")
                ui.button("Update" if scene else "Create", on_click=save) \
                    .props("unelevated no-caps color=primary").mark("scene-save")
    show_transient(dialog)
    return dialog


class _StartersEditor:
    """One input per starter with a remove button, and "Add starter" (up to the core's limit).

    Rows are added and removed one at a time instead of redrawing the list, so the row being typed
    in keeps its focus.
    """

    def __init__(self, starters: list[str]) -> None:
        self.inputs: list[ui.input] = []
        with ui.column().classes("w-full gap-1"):
            self.rows = ui.column().classes("w-full gap-1")
            self.add_button = ui.button("Add starter", icon="add", on_click=lambda: self.add("")) \
                .props("flat dense no-caps size=sm").mark("scene-starter-add")
        for text in starters:
            self.add(text)

    def values(self) -> list[str]:
        return [(field.value or "").strip() for field in self.inputs if (field.value or "").strip()]

    def add(self, text: str) -> None:
        with self.rows, ui.row().classes("w-full items-center gap-1 no-wrap") as row:
            field = ui.input(placeholder="How the scene opens…", value=text) \
                .props("outlined dense").classes("flex-1").mark("scene-starter")
            ui.button(icon="close", on_click=lambda: self.remove(row, field)) \
                .props('flat round dense size=sm aria-label="Remove this opening"').mark("scene-starter-remove")
        self.inputs.append(field)
        self.add_button.set_enabled(len(self.inputs) < STARTERS_MAX)

    def remove(self, row: ui.row, field: ui.input) -> None:
        self.inputs.remove(field)
        row.delete()
        self.add_button.set_enabled(True)


def _show_errors(errors: dict[str, str], fields: dict[str, Any], summary: ui.label) -> None:
    """Each message under its field; those without a field (the starters) in the summary line."""
    rest = []
    for field, message in errors.items():
        if field in fields:
            fields[field].error = message
        else:
            rest.append(message)
    if rest:
        summary.text = "; ".join(rest)
        summary.visible = True
