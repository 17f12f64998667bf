"""The models of one modality, in the order routing tries them (highest priority first).

Dragging a model onto another puts it in that one's place; the up and down buttons do the same one
step at a time from a keyboard (each names the model it moves). Either way the priorities are set
from the new order (``reorder_models``): the list is the order, and the numbers follow it. The drag
is the browser's own (HTML drag and drop): the dragged model's id travels in the drag's data and
only the drop is sent to the server.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nicegui import ui

from core.admin.models import ModelView
from ui import theme

ModelAction = Callable[[ModelView], Awaitable[None]]


@dataclass(frozen=True)
class ModelActions:
    edit: ModelAction
    delete: ModelAction
    toggle: Callable[[ModelView, bool], Awaitable[None]]
    move: Callable[[ModelView, int], Awaitable[None]]  # -1 up (preferred), +1 down
    drop: Callable[[str, ModelView], Awaitable[None]]  # the dragged model's id, dropped on this one


def model_list(title: str, rows: list[ModelView], actions: ModelActions) -> None:
    ui.label(title).classes(theme.SECTION_TITLE)
    if not rows:
        ui.label("None yet.").classes(theme.MUTED)
        return
    with ui.list().props("bordered separator").classes("w-full rounded-borders"):
        for index, row in enumerate(rows):
            _row(row, actions, first=index == 0, last=index == len(rows) - 1)


DRAG_JS = "(e) => { e.dataTransfer.setData('text/x-studio-model', %r); e.dataTransfer.effectAllowed = 'move'; }"
DROP_JS = ("(e) => { const id = e.dataTransfer.getData('text/x-studio-model'); "
           "if (id) { e.preventDefault(); emit(id); } }")
OVER_JS = "(e) => { if (e.dataTransfer.types.includes('text/x-studio-model')) e.preventDefault(); }"


def _row(row: ModelView, actions: ModelActions, *, first: bool, last: bool) -> None:
    item = ui.item().classes("gap-2 max-sm:px-2 cursor-move").mark(f"model-row model-{row.id}") \
        .props(f'draggable=true data-testid="model-row" data-model-id="{row.id}"')
    item.on("dragstart", js_handler=DRAG_JS % row.id)
    item.on("dragover", js_handler=OVER_JS)
    item.on("drop", lambda e: actions.drop(str(e.args), row), js_handler=DROP_JS)
    with item:
        with ui.item_section().props("side"):
            up = ui.button(icon="arrow_upward", on_click=lambda: actions.move(row, -1)) \
                .props(f'flat round dense aria-label="Move {row.display_name} up"') \
                .mark(f"model-up model-up-{row.id}")
            down = ui.button(icon="arrow_downward", on_click=lambda: actions.move(row, 1)) \
                .props(f'flat round dense aria-label="Move {row.display_name} down"') \
                .mark(f"model-down model-down-{row.id}")
            if first:
                up.disable()
            if last:
                down.disable()
        with ui.item_section():
            ui.item_label(row.display_name).classes("font-medium break-words").mark("model-row-name")
            ui.item_label(f"{row.provider_name} · {row.model_key} · priority {row.priority}") \
                .props("caption").classes("break-words")
            with ui.row().classes("gap-1"):
                if row.supports_i2i:
                    ui.badge("I2I", color="secondary")
                if row.requires_reference:
                    ui.badge("needs a reference", color="neutral")
                if row.workflow is not None:
                    ui.badge("workflow", color="neutral")
        with ui.item_section().props("side"), ui.row().classes("items-center gap-1 no-wrap max-sm:flex-col"):
            ui.switch(value=row.active, on_change=lambda e: actions.toggle(row, bool(e.value))) \
                .props(f'dense aria-label="{row.display_name} active"') \
                .mark(f"model-toggle model-toggle-{row.id}")
            ui.button(icon="edit", on_click=lambda: actions.edit(row)) \
                .props(f'flat round dense aria-label="Edit {row.display_name}"') \
                .mark(f"model-edit model-edit-{row.id}")
            ui.button(icon="delete", on_click=lambda: actions.delete(row)) \
                .props(f'flat round dense color=negative aria-label="Delete {row.display_name}"') \
                .mark(f"model-delete model-delete-{row.id}")
