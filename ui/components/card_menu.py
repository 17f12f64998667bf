"""Character cards in the studio header: import a card file (PNG, JSON, CHARX) and export this one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from core.cards.export import EXPORT_FORMATS
from core.cards.importer import ACCEPTED_SUFFIXES
from ui.components.file_picker import FilePicker

FORMAT_LABELS = {"png": "PNG card (SillyTavern, RisuAI…)", "json": "JSON (Character Card V3)",
                 "charx": "CHARX (card + every portrait)"}


def import_card_button(on_import: Callable[[bytes, str], Awaitable[None]], max_bytes: int) -> None:
    """A button that picks a card file; the bytes go to ``on_import`` (validated in core)."""

    upload = FilePicker(on_import, accept=",".join(ACCEPTED_SUFFIXES), max_bytes=max_bytes) \
        .props('data-testid="card-import-upload"').mark("card-import-upload")
    ui.button(icon="upload_file", on_click=upload.pick) \
        .props('flat round dense data-testid="card-import"').mark("card-import").tooltip("Import a character card")


def export_menu(on_export: Callable[[str], Awaitable[None]]) -> ui.button:
    """A menu of the card formats; each entry hands its format to ``on_export``."""
    with ui.button(icon="ios_share").props('flat round dense data-testid="card-export"') \
            .mark("card-export") as button:
        button.tooltip("Export as a character card")
        with ui.menu() as menu:
            for fmt in EXPORT_FORMATS:
                ui.menu_item(FORMAT_LABELS.get(fmt, fmt), lambda f=fmt: on_export(f)).mark(f"export-{fmt}")
    menu.props("no-refocus")
    return button
