"""``/create`` and ``/create/{id}``: the CreateCharacter form (the seed's quick, guided way to make one).

Sticky header with the title and Save; on desktop (Tailwind ``md``, 768 px) a 400 px portrait panel
beside the form sections, below that one column and a bottom save bar. Saves are explicit and strict
(composed in :mod:`ui.form_controller`); a new character goes to its ``/create/{id}`` URL once
created. The form does not auto-save drafts (its strict rules are the point of it: a character made
here is finished), and it says so next to Save; leaving with unsaved text asks first, in the browser
(``beforeunload``) and on the page's own Back and "Open in studio" (``leave-confirm``). Someone
else's character, public or not, is "not found" here: this page edits.
"""

from __future__ import annotations

from nicegui import ui

from core.container import Studio
from ui import theme
from ui.components.conflict_banner import conflict_banner
from ui.components.form_advanced import form_advanced
from ui.components.form_basic_info import form_basic_info
from ui.components.greetings_editor import greetings_editor
from ui.components.leave_confirm import LeaveConfirm
from ui.components.not_found import character_not_found
from ui.components.portrait_panel import portrait_panel
from ui.components.reference_image import reference_image
from ui.components.tag_chips import tag_chips
from ui.components.theme_toggle import theme_toggle
from ui.controllers.catalog import read_lists
from ui.controllers.character import read_opening
from ui.form_controller import FormTab
from ui.session import require_user_and


def register(studio: Studio) -> None:
    @ui.page("/create", title="Create Character · Character Studio")
    async def create(role: str = "ai") -> None:
        await build_form(studio, None, "user" if role == "user" else "ai")

    @ui.page("/create/{character_id}", title="Edit Character · Character Studio")
    async def edit(character_id: str) -> None:
        await build_form(studio, character_id, "ai")


async def build_form(studio: Studio, character_id: str | None, role: str) -> None:
    theme.apply()
    path = f"/create/{character_id}" if character_id else "/create"
    found = await require_user_and(studio, path, lambda user: (read_opening(studio.ctx, user, character_id),
                                                              read_lists(studio.ctx)))
    if found is None:
        return
    user, (opening, lists) = found
    if not opening.found:
        character_not_found()
        return
    tab = FormTab.compose(studio, user, role=role, lists=lists,
                          on_created=lambda cid: ui.navigate.history.replace(f"/create/{cid}"),
                          on_saved_new=lambda cid: ui.navigate.to(f"/create/{cid}"))
    tab.character.show(opening)
    tab.session.attach(ui.context.client)
    state = tab.session.state
    saver = tab.session.saver
    leave = LeaveConfirm(state, save=tab.form.save, discard=saver.discard, pause=saver.hold, resume=saver.release)
    _header(tab, leave)
    with ui.column().classes("w-full max-w-6xl mx-auto p-3 sm:p-4 gap-3 pb-24 md:pb-4"):
        conflict_banner(state, tab.session.saver.reload_theirs, tab.session.saver.overwrite)
        tab.errors.summary = ui.label().classes("text-negative text-sm").mark("form-errors")
        tab.errors.summary.visible = False
        with ui.element("div").classes("grid grid-cols-1 md:grid-cols-[400px_minmax(0,1fr)] gap-4 w-full"):
            with ui.element("div").classes("w-full md:max-w-[400px] md:sticky md:top-20 self-start max-md:order-last"):
                portrait_panel(state, tab.session.options, presets=tab.catalog.presets("appearance"),
                               models=tab.catalog.image_models(), preset_actions=tab.presets,
                               on_generate=tab.generation.generate)
            with ui.column().classes("w-full gap-3 min-w-0"):
                _sections(tab)
    with ui.footer().classes("md:hidden bg-surface text-on-surface border-t border-divider p-2 column gap-1"):
        _save_hint(tab, "save-hint-bar").classes("self-center")
        ui.button("Save", icon="save", on_click=tab.form.save).props("unelevated no-caps").classes("w-full") \
            .mark("save-bar-button")


def _save_hint(tab: FormTab, testid: str) -> ui.label:
    """Unlike the studio, this form keeps nothing until Save: it says so, and when something is unsaved."""
    return ui.label().bind_text_from(tab.session.state, "dirty", backward=lambda dirty: (
        "Unsaved changes · kept only when you press Save" if dirty else "This form saves only when you press Save")) \
        .classes("text-xs text-muted").props(f'data-testid="{testid}"').mark("save-hint")


def _header(tab: FormTab, leave: LeaveConfirm) -> None:
    state = tab.session.state
    with ui.header().classes("bg-surface text-on-surface shadow-sm px-2 py-2 items-center gap-2 no-wrap"):
        ui.button(icon="arrow_back", on_click=lambda: leave.leave("/")) \
            .props('flat round dense aria-label="Back to your characters"')
        ui.label().bind_text_from(state, "character_id",
                                  backward=lambda cid: "Edit Character" if cid else "Create Character") \
            .classes("text-lg font-semibold truncate").mark("form-title")
        ui.space()
        ui.button("Open in studio", icon="brush",
                  on_click=lambda: leave.leave(f"/studio/{state.character_id}")) \
            .props("flat dense no-caps").classes("max-md:hidden") \
            .bind_visibility_from(state, "character_id", backward=bool)
        _save_hint(tab, "save-hint").classes("max-md:hidden")
        ui.button("Save", icon="save", on_click=tab.form.save) \
            .props('unelevated no-caps data-testid="save-button"').classes("max-md:hidden").mark("save-button")
        theme_toggle()


def _sections(tab: FormTab) -> None:
    state, errors = tab.session.state, tab.errors
    with ui.card().classes("w-full"):
        form_basic_info(state, errors)
    with ui.card().classes("w-full p-0"), \
            ui.expansion("Appearance Tags", icon="sell", value=True).classes("w-full").mark("section-appearance"), \
            ui.column().classes("w-full gap-3"):
        tag_chips(state, "appearance_tags", "Physical appearance", marker="appearance-tags")
        tag_chips(state, "clothing_tags", "Default outfit", marker="clothing-tags")
        reference_image(state, tab.session.options, tab.reference)
    with ui.card().classes("w-full p-0"), \
            ui.expansion("Greetings", icon="chat").classes("w-full").mark("section-greetings"):
        greetings_editor(state, errors)
    with ui.card().classes("w-full p-0"), \
            ui.expansion("Advanced", icon="tune").classes("w-full").mark("section-advanced"):
        form_advanced(state, errors)
