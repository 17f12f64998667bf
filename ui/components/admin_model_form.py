"""The add/edit model dialog: provider, key, name, modality, priority, switches, capabilities, the
input defaults as JSON and, for ComfyUI, the workflow; every problem shown at its field.

The workflow is pasted, uploaded (a ``.json`` file, through the app's one upload route) or loaded from
the shipped examples. The JSON boxes are checked when they lose focus with the same functions the service runs on Save
(:func:`core.admin.models.parse_json_object`, ComfyUI's ``validate_workflow``), so a typo is named
where it is, before anything is sent; Save then reports the service's own verdict the same way.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from core.admin.models import ModelView, parse_json_object
from core.admin.providers import ProviderView
from core.errors import ValidationError
from core.generation.providers.comfy_workflow import EXAMPLES, WorkflowError, example_workflow, validate_workflow
from ui import theme
from ui.components.file_picker import FilePicker
from ui.components.transient_dialog import show_transient

WORKFLOW_MAX_BYTES = 1_000_000  # a large ComfyUI graph is ~100 kB
SaveModel = Callable[[dict[str, Any]], Awaitable[dict[str, str] | None]]  # field errors, or None when saved


def open_model_form(providers: list[ProviderView], existing: ModelView | None, on_save: SaveModel) -> None:
    kinds = {p.id: p.kind for p in providers}
    with ui.dialog().props('aria-label="Model"') as dialog, \
            ui.card().classes("w-full max-w-2xl gap-2").mark("model-form"):
        def done() -> None:  # closed, then deleted (show_transient): a typed key does not stay in the page
            dialog.close()

        ui.label("Edit model" if existing else "Add a model").classes(theme.SECTION_TITLE)
        provider = ui.select({p.id: f"{p.name} ({p.kind})" for p in providers}, label="Provider",
                             value=existing.provider_id if existing else (providers[0].id if providers else None)) \
            .props("outlined dense").classes("w-full").mark("model-provider")
        with ui.row().classes("w-full gap-2 no-wrap"):
            key = ui.input("Model key", value=existing.model_key if existing else "",
                           placeholder="e.g. gpt-4o-mini, fal-ai/flux/dev").props("outlined dense") \
                .classes("flex-grow").mark("model-key")
            modality = ui.select({"image": "Image", "chat": "Chat"}, label="Modality",
                                 value=existing.modality if existing else "image").props("outlined dense") \
                .classes("w-32").mark("model-modality")
        name = ui.input("Display name", value=existing.display_name if existing else "") \
            .props("outlined dense").classes("w-full").mark("model-display-name")
        with ui.row().classes("w-full items-center gap-3"):
            priority = ui.number("Priority", value=existing.priority if existing else None, format="%d",
                                 placeholder="first").props("outlined dense").classes("w-28").mark("model-priority")
            resolution = ui.input("Max resolution", value=(existing.max_resolution or "") if existing else "",
                                  placeholder="1536x1536").props("outlined dense").classes("w-36") \
                .mark("model-max-resolution")
            active = ui.switch("Active", value=existing.active if existing else True).mark("model-active")
            i2i = ui.checkbox("Keeps a face from a reference (I2I)",
                              value=existing.supports_i2i if existing else False).mark("model-supports-i2i")
            needs_ref = ui.checkbox("Needs a reference", value=existing.requires_reference if existing else False) \
                .mark("model-requires-reference")
        defaults = ui.textarea("Input defaults (JSON object)",
                               value=json.dumps(existing.input_defaults, indent=2) if existing else "{}") \
            .props("outlined autogrow input-class=font-mono").classes("w-full").mark("model-input-defaults")
        with ui.column().classes("w-full gap-1") as comfy_box:
            with ui.row().classes("w-full items-center gap-2"):
                ui.label("ComfyUI workflow (its “Export (API)” JSON)").classes("font-medium")
                ui.space()
                example = ui.select({k: k.replace("_", " ") for k in EXAMPLES}, label="Example") \
                    .props("outlined dense").classes("w-44").mark("model-example")
                ui.button("Load", on_click=lambda: load_example()).props("flat dense no-caps") \
                    .mark("model-load-example")
                picker = FilePicker(lambda data, _name: upload(data), accept=".json,application/json",
                                    max_bytes=WORKFLOW_MAX_BYTES).mark("model-workflow-upload")
                ui.button("Upload", icon="upload_file", on_click=picker.pick).props("flat dense no-caps") \
                    .mark("model-upload-workflow")
            workflow = ui.textarea(value=json.dumps(existing.workflow, indent=2) if existing and existing.workflow
                                   else "").props("outlined input-class=font-mono rows=8") \
                .classes("w-full").mark("model-workflow")
            ui.label("A workflow with %reference_image% or %char_avatar% needs a reference, so the model becomes "
                     "I2I.").classes(theme.CAPTION)
        general = ui.label().classes("text-negative text-sm").mark("model-form-error")

        def show_comfy() -> None:
            comfy_box.set_visibility(kinds.get(provider.value) == "comfyui")

        def load_example() -> None:
            if example.value:
                workflow.value = json.dumps(example_workflow(example.value), indent=2)
                workflow.error = None

        async def upload(data: bytes) -> None:
            try:
                workflow.value = json.dumps(json.loads(data.decode("utf-8")), indent=2)
            except (UnicodeDecodeError, ValueError) as exc:
                workflow.error = f"That file is not JSON: {exc}"
                return
            check_workflow()

        def check_defaults() -> None:
            try:
                parse_json_object(defaults.value or "", "input_defaults")
                defaults.error = None
            except ValidationError as exc:
                defaults.error = exc.errors["input_defaults"]

        def check_workflow() -> None:
            try:
                workflow.error = None
                if (workflow.value or "").strip():
                    validate_workflow(workflow.value)
            except WorkflowError as exc:
                workflow.error = str(exc)

        provider.on_value_change(lambda _: show_comfy())
        defaults.on("blur", lambda _: check_defaults())
        workflow.on("blur", lambda _: check_workflow())
        show_comfy()

        async def save() -> None:
            fields = {"provider_id": provider, "model_key": key, "display_name": name, "modality": modality,
                      "priority": priority, "max_resolution": resolution, "input_defaults": defaults,
                      "workflow": workflow}
            for field in fields.values():
                field.error = None
            general.text = ""
            values: dict[str, Any] = {
                "provider_id": provider.value, "model_key": key.value or "", "modality": modality.value,
                "display_name": name.value or None, "active": bool(active.value), "max_resolution": resolution.value,
                "supports_i2i": bool(i2i.value), "requires_reference": bool(needs_ref.value),
                "input_defaults": defaults.value or "{}"}
            if priority.value is not None:
                values["priority"] = int(priority.value)
            if kinds.get(provider.value) == "comfyui":
                values["workflow"] = workflow.value or None
            errors = await on_save(values)
            if not errors:
                done()
                return
            for field_name, message in errors.items():
                if field_name in fields:
                    fields[field_name].error = message
                else:
                    general.text = message

        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Cancel", on_click=lambda: done()).props("flat no-caps").mark("model-cancel")
            ui.button("Save", icon="save", on_click=save).props("no-caps").mark("model-save")
    show_transient(dialog)
