"""Character cards in the studio header: import a card file (PNG, JSON, CHARX) and export this one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from core.cards.export import EXPORT_FORMATS
from core.cards.importer import ACCEPTED_SUFFIXES
from ui.components.deferred import Deferred, after_connect
from ui.components.file_picker import FilePicker

FORMAT_LABELS = {"png": "PNG card (SillyTavern, RisuAI…)", "json": "JSON (Character Card V3)",
                 "charx": "CHARX (card + every portrait)"}


def import_card_button(on_import: Callable[[bytes, str], Awaitable[None]], max_bytes: int) -> None:
    """A button that picks a card file; the bytes go to ``on_import`` (validated in core).

    The hidden picker is built once the browser is connected: a click is handled over the websocket
    anyway, and the first answer stays small."""
    pickers: list[FilePicker] = []

    def build() -> None:
        pickers.append(FilePicker(on_import, accept=",".join(ACCEPTED_SUFFIXES), max_bytes=max_bytes)
                       .props('data-testid="card-import-upload"').mark("card-import-upload"))

    anchor = ui.context.slot.parent
    ui.button(icon="upload_file", on_click=lambda: pickers[0].pick() if pickers else None) \
        .props('flat round dense aria-label="Import a character card" data-testid="card-import"') \
        .mark("card-import").tooltip("Import a character card")
    after_connect(Deferred(anchor, build))


def export_menu(on_export: Callable[[str], Awaitable[None]]) -> ui.button:
    """A menu of the card formats; each entry hands its format to ``on_export``.

    The menu (it opens in the browser) is built once the browser is connected."""
    with ui.button(icon="ios_share") \
            .props('flat round dense aria-label="Export as a character card" data-testid="card-export"') \
            .mark("card-export") as button:
        button.tooltip("Export as a character card")
    after_connect(Deferred(button, lambda: _formats_menu(on_export)))
    return button


def _formats_menu(on_export: Callable[[str], Awaitable[None]]) -> None:
    with ui.menu().props("no-refocus"):
        for fmt in EXPORT_FORMATS:
            ui.menu_item(FORMAT_LABELS.get(fmt, fmt), lambda f=fmt: on_export(f)).mark(f"export-{fmt}")
