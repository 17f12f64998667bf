"""What a provider's server offers (Discover models), each addable as a model in one click.

For an OpenAI-compatible server the list mixes chat and image models, so the dialog asks which the
added ones are; a ComfyUI checkpoint becomes an image model running the text-to-image example with
that checkpoint (its workflow is edited on the Models page).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from core.admin.providers import DiscoveredModel, ProviderView
from ui import theme
from ui.components.transient_dialog import show_transient

AddModel = Callable[[str, str], Awaitable[str | None]]  # (model_key, modality) -> an error, or None when added


def open_discover_dialog(provider: ProviderView, found: list[DiscoveredModel], on_add: AddModel) -> None:
    with ui.dialog().props('aria-label="Discovered models"') as dialog, \
            ui.card().classes("w-full max-w-lg gap-2").mark("discover-dialog"):
        def done() -> None:  # closed, then deleted (show_transient): a typed key does not stay in the page
            dialog.close()

        ui.label(f"Models on {provider.name}").classes(theme.SECTION_TITLE)
        if not found:
            ui.label("The server lists no models.").classes(theme.MUTED).mark("discover-empty")
        modality = ui.toggle({"chat": "Chat", "image": "Image"}, value="chat") \
            .props("no-caps dense").mark("discover-modality")
        modality.set_visibility(provider.kind == "openai" and bool(found))
        with ui.scroll_area().classes("w-full max-h-96"), ui.list().props("dense separator").classes("w-full"):
            for item in found:
                with ui.item().mark(f"discovered discovered-{item.model_key}"):
                    with ui.item_section():
                        ui.item_label(item.model_key).classes("break-all")
                    with ui.item_section().props("side"):
                        button = ui.button("Added" if item.added else "Add", icon=None if item.added else "add") \
                            .props("flat dense no-caps").mark(f"discover-add discover-add-{item.model_key}")
                        if item.added:
                            button.disable()
                        else:
                            button.on_click(lambda b=button, key=item.model_key: add(b, key))
        status = ui.label().classes("text-sm text-negative").mark("discover-error")

        async def add(button: ui.button, key: str) -> None:
            kind = "image" if provider.kind == "comfyui" else str(modality.value)
            error = await on_add(key, kind)
            if error:
                status.text = error
                return
            button.text = "Added"
            button.props(remove="icon")
            button.disable()

        with ui.row().classes("w-full justify-end"):
            ui.button("Close", on_click=lambda: done()).props("flat no-caps").mark("discover-close")
    show_transient(dialog)
