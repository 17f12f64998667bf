"""The studio's header: back home, the character switcher, card import, template, the save badge,
preview, card export and (phone) Save; on a phone, Template and Preview sit in a ⋮ menu.

It takes the state and one callback per button; the page decides what each does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nicegui import ui

from ui.components.card_menu import export_menu, import_card_button
from ui.components.character_selector import character_selector
from ui.components.deferred import Deferred, after_connect
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
        import_card_button(actions.import_card, max_upload_bytes)
        ui.button("Template", icon="style", on_click=actions.templates) \
            .props('flat dense no-caps data-testid="start-from-template"').mark("start-from-template") \
            .bind_visibility_from(state, "character_id", backward=lambda cid: cid is None) \
            .classes("max-md:hidden")
        ui.space()
        save_status_badge(state, actions.reload_theirs, actions.overwrite)
        ui.button(icon="visibility", on_click=actions.preview) \
            .props('flat round dense aria-label="Preview"').tooltip("Preview").classes("max-md:hidden") \
            .bind_visibility_from(state, "character_id", backward=bool)
        export_menu(actions.export_card).bind_visibility_from(state, "character_id", backward=bool)
        theme_toggle().classes("max-md:hidden")  # a phone's bar is full: its pages' headers have it
        _phone_menu(state, actions)
        # the phone's one Save (the sidebar's is hidden there)
        ui.button("Save", on_click=actions.save).props('unelevated dense color=primary data-testid="mobile-save"') \
            .classes("md:hidden").mark("mobile-save")
    return selector


def _phone_menu(state: CharacterState, actions: HeaderActions) -> None:
    """On a phone, Template and Preview (no room for them in the bar) live in a ⋮ menu; the menu,
    which only opens in a connected browser, is built once connected."""
    with ui.button(icon="more_vert") \
            .props('flat round dense aria-label="More actions" data-testid="header-more"') \
            .classes("md:hidden").mark("header-more") as button:
        button.tooltip("More actions")

    def build() -> None:
        with ui.menu().props("auto-close"):
            ui.menu_item("Start from a template", actions.templates) \
                .props('data-testid="menu-template"').mark("menu-template") \
                .bind_visibility_from(state, "character_id", backward=lambda cid: cid is None)
            ui.menu_item("Preview", actions.preview).props('data-testid="menu-preview"').mark("menu-preview") \
                .bind_visibility_from(state, "character_id", backward=bool)

    after_connect(Deferred(button, build))
