"""The add/edit provider dialog: kind, name, base URL, API key, active; problems shown at their field.

The key field is never filled in: editing shows only whether a key is stored and its last 4
characters. Left empty it keeps the stored key; "Remove the stored key" removes it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from core.admin.provider_checks import DEFAULT_BASES
from core.admin.providers import ProviderView
from core.models import PROVIDER_KINDS
from ui import theme
from ui.components.transient_dialog import show_transient

SaveProvider = Callable[[dict[str, Any]], Awaitable[dict[str, str] | None]]  # field errors, or None when saved

KIND_LABELS = {"openai": "OpenAI-compatible (OpenAI, OpenRouter, Ollama, LM Studio, vLLM)", "fal": "fal",
               "replicate": "Replicate", "automatic1111": "Automatic1111 / Forge", "comfyui": "ComfyUI",
               "builtin": "Built-in offline renderer"}


def open_provider_form(existing: ProviderView | None, on_save: SaveProvider) -> None:
    """A dialog to add a provider (``existing`` None) or edit one."""
    with ui.dialog().props('aria-label="Provider"') as dialog, \
            ui.card().classes("w-full max-w-lg gap-3").mark("provider-form"):
        def done() -> None:  # closed, then deleted (show_transient): a typed key does not stay in the page
            dialog.close()

        ui.label("Edit provider" if existing else "Add a provider").classes(theme.SECTION_TITLE)
        kind = ui.select({k: KIND_LABELS[k] for k in PROVIDER_KINDS}, label="Kind",
                         value=existing.kind if existing else "openai").props("outlined dense") \
            .classes("w-full").mark("provider-kind")
        if existing:
            kind.disable()  # a kind never changes: the protocol is the provider
        name = ui.input("Name", value=existing.name if existing else "",
                        placeholder="e.g. Ollama, OpenRouter, GPU box").props("outlined dense maxlength=40") \
            .classes("w-full").mark("provider-name")
        base = ui.input("Base URL", value=(existing.base_url or "") if existing else "") \
            .props("outlined dense").classes("w-full").mark("provider-base-url")
        key = ui.input("API key", password=True, password_toggle_button=True) \
            .props("outlined dense autocomplete=off").classes("w-full").mark("provider-api-key")
        remove_key = ui.checkbox("Remove the stored key").mark("provider-remove-key")
        remove_key.set_visibility(bool(existing and existing.credential_source == "stored"))
        active = ui.switch("Active", value=existing.active if existing else True).mark("provider-active")
        general = ui.label().classes("text-negative text-sm").mark("provider-form-error")

        def hints() -> None:
            base.props(f'placeholder="{DEFAULT_BASES.get(kind.value, "")}"')
            local = kind.value in ("comfyui", "automatic1111", "builtin")
            key.label = "user:password (only with --api-auth)" if kind.value == "automatic1111" else "API key"
            stored = existing.credential_hint if existing and existing.has_credentials else ""
            key.props(f'hint="{_key_hint(existing, stored, local)}"')

        kind.on_value_change(lambda _: hints())
        hints()

        async def save() -> None:
            for field in (name, base, key):
                field.error = None
            general.text = ""
            values: dict[str, Any] = {"name": name.value or "", "base_url": base.value or None,
                                      "active": bool(active.value)}
            if not existing:
                values["kind"] = kind.value
            if remove_key.value:
                values["api_key"] = ""
            elif key.value:
                values["api_key"] = key.value
            errors = await on_save(values)
            if not errors:
                done()
                return
            fields = {"name": name, "base_url": base, "api_key": key}
            for field_name, message in errors.items():
                if field_name in fields:
                    fields[field_name].error = message
                else:
                    general.text = message

        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Cancel", on_click=lambda: done()).props("flat no-caps").mark("provider-cancel")
            ui.button("Save", icon="save", on_click=save).props("no-caps").mark("provider-save")
    show_transient(dialog)


def _key_hint(existing: ProviderView | None, stored: str, local: bool) -> str:
    if existing and existing.credential_source == "environment":
        return "The environment's key is in use and wins over a stored one"
    if stored:
        return f"A key ending in {stored} is stored; leave empty to keep it"
    if existing and existing.has_credentials:
        return "A key is stored; leave empty to keep it"
    return "Not needed for most local servers" if local else "Stored encrypted; never shown again"
