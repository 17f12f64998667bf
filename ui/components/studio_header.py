"""The studio's header: back home, the character switcher, card import, template, the save badge,
preview, card export and (phone) Save; on a phone, Template and Preview sit in a ⋮ menu.

It takes the state and one callback per button; the page decides what each does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nicegui import ui

from core.cards.export import EXPORT_FORMATS
from core.cards.importer import ACCEPTED_SUFFIXES
from ui.components.card_menu import FORMAT_LABELS, export_menu, import_card_button
from ui.components.character_selector import character_selector
from ui.components.deferred import Deferred, after_connect
from ui.components.file_picker import FilePicker
from ui.components.save_status_badge import save_status_badge
from ui.components.theme_toggle import theme_toggle
from ui.state import CharacterState


@dataclass(frozen=True)
class HeaderActions:
    """What the header's buttons do."""

    back: Callable[[], None]
    import_card: Callable[[bytes, str], Awaitable[None]]
    templates: Callable[[], Awaitable[None]]
    reload_theirs: Callable[[], None]
    overwrite: Callable[[], Awaitable[None]]
    preview: Callable[[], None]
    export_card: Callable[[str], Awaitable[None]]
    save: Callable[[], Awaitable[bool]]


def studio_header(state: CharacterState, actions: HeaderActions, *, max_upload_bytes: int) -> ui.select:
    """Returns the character selector, whose options the page fills once connected."""
    with ui.header().classes("items-center gap-2 px-2 py-1 bg-surface text-on-surface border-b border-divider no-wrap"):
        ui.button(icon="arrow_back", on_click=actions.back) \
            .props('flat round dense aria-label="Back to your characters"') \
            .tooltip("Back to your characters")
        selector = character_selector([], state.character_id, state.role, state.name)
        with ui.element("div").classes("contents max-md:hidden"):  # on a phone: in the ⋮ menu
            import_card_button(actions.import_card, max_upload_bytes)
        # a draft exists from the first letter of its name: templates stay at hand (applied with Undo)
        ui.button("Template", icon="style", on_click=actions.templates) \
            .props('flat dense no-caps data-testid="start-from-template"').mark("start-from-template") \
            .classes("max-md:hidden").tooltip("Apply a template (undo from its notification)")
        ui.space().classes("max-md:hidden")  # a phone: the switcher takes what the bar leaves
        save_status_badge(state, actions.reload_theirs, actions.overwrite)
        ui.button(icon="visibility", on_click=actions.preview) \
            .props('flat round dense aria-label="Preview"').tooltip("Preview").classes("max-md:hidden") \
            .bind_visibility_from(state, "character_id", backward=bool)
        export_menu(actions.export_card).bind_visibility_from(state, "character_id", backward=bool) \
            .classes("max-md:hidden")  # on a phone: in the ⋮ menu
        theme_toggle()  # one theme-toggle on every page and at every size
        _phone_menu(state, actions, max_upload_bytes)
        # the phone's one Save (the sidebar's is hidden there)
        ui.button("Save", on_click=actions.save) \
            .props('unelevated dense no-caps color=primary data-testid="mobile-save"') \
            .classes("md:hidden").mark("mobile-save")
    return selector


def _phone_menu(state: CharacterState, actions: HeaderActions, max_upload_bytes: int) -> None:
    """On a phone the bar keeps back, the switcher, the badge, the theme toggle and Save (each a 40 px
    target); Template, Preview and the card's import and export live in a ⋮ menu. The menu and its file
    picker only work in a connected browser, so they are built once connected."""
    anchor = ui.context.slot.parent  # the header: the hidden picker must not sit inside a button
    pickers: list[FilePicker] = []
    # no tooltip: on a touch screen it would open with the menu and cover its first item
    button = ui.button(icon="more_vert") \
        .props('flat round dense aria-label="More actions" data-testid="header-more"') \
        .classes("md:hidden").mark("header-more")

    def build_picker() -> None:
        pickers.append(FilePicker(actions.import_card, accept=",".join(ACCEPTED_SUFFIXES), max_bytes=max_upload_bytes)
                       .props('data-testid="menu-import-upload"').mark("menu-import-upload"))

    def build() -> None:
        with ui.menu().props("auto-close"):
            ui.menu_item("Apply a template", actions.templates) \
                .props('data-testid="menu-template"').mark("menu-template")
            ui.menu_item("Preview", actions.preview).props('data-testid="menu-preview"').mark("menu-preview") \
                .bind_visibility_from(state, "character_id", backward=bool)
            ui.menu_item("Import a character card", lambda: pickers[0].pick() if pickers else None) \
                .props('data-testid="menu-import"') \
                .mark("menu-import")
            for fmt in EXPORT_FORMATS:
                ui.menu_item(f"Export: {FORMAT_LABELS.get(fmt, fmt)}", lambda f=fmt: actions.export_card(f)) \
                    .props(f'data-testid="menu-export-{fmt}"').mark(f"menu-export-{fmt}") \
                    .bind_visibility_from(state, "character_id", backward=bool)

    after_connect(Deferred(anchor, build_picker), Deferred(button, build))

