"""``/studio`` and ``/studio/{id}``: the CharacterStudio page, composed from components.

Desktop: header, resizable sidebar (280–480 px, width remembered per user) and a centre with the
Portraits / Scenes tabs and the sticky prompt bar. Below 768 px the same elements re-flow into
Details / Portraits / Scenes tabs (CSS in ``ui/static/studio.css``), so nothing is built twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from nicegui import app, run, ui

from core.characters import list_characters
from core.container import Studio
from ui.components.card_menu import export_menu, import_card_button
from ui.components.character_selector import NEW, character_selector, selector_options
from ui.components.deferred import Deferred, after_connect
from ui.components.file_picker import FilePicker
from ui.components.image_picker import open_image_picker
from ui.components.mobile_bottom_bar import mobile_bottom_bar
from ui.components.not_found import character_not_found
from ui.components.portrait_gallery import PortraitGallery
from ui.components.portrait_lightbox import PortraitLightbox
from ui.components.pose_presets import pose_presets
from ui.components.prompt_bar import prompt_bar
from ui.components.save_status_badge import save_status_badge
from ui.components.scenes_gallery import scenes_gallery
from ui.components.studio_sidebar import sidebar_sections, studio_sidebar
from ui.components.template_selector import open_template_selector
from ui.controllers.character import read_opening
from ui.session import require_user_and
from ui.studio_tab import StudioTab

CSS = Path(__file__).resolve().parent.parent / "static" / "studio.css"
SIDEBAR_LIMITS = (280, 480)


def register(studio: Studio) -> None:
    @ui.page("/studio", title="Character Studio")
    async def new_character(role: str = "ai") -> None:
        await build_studio(studio, None, "user" if role == "user" else "ai")

    @ui.page("/studio/{character_id}", title="Character Studio")
    async def existing_character(character_id: str) -> None:
        await build_studio(studio, character_id, "ai")


async def build_studio(studio: Studio, character_id: str | None, role: str) -> None:
    path = f"/studio/{character_id}" if character_id else "/studio"
    found = await require_user_and(studio, path, lambda user: read_opening(studio.ctx, user, character_id))
    if found is None:
        return
    user, opening = found
    if not opening.found:
        character_not_found()
        return
    tab = StudioTab.compose(studio, user, role=role,
                            on_created=lambda cid: ui.navigate.history.replace(f"/studio/{cid}"))
    tab.character.show(opening)
    tab.session.attach(ui.context.client)
    ui.add_css(CSS)
    selector = _header(tab)

    async def prepare() -> None:
        own, _ = await asyncio.gather(run.io_bound(list_characters, studio.ctx, user, limit=200), tab.load_content())
        state = tab.session.state
        selector.set_options(selector_options(own or [], state.character_id, state.name),
                             value=state.character_id or NEW)

    _body(tab, prepare)


def _header(tab: StudioTab) -> ui.select:
    session, character = tab.session, tab.character
    state = session.state
    with ui.header().classes("items-center gap-2 px-2 py-1 bg-white text-black border-b no-wrap"):
        ui.button(icon="arrow_back", on_click=lambda: ui.navigate.to("/")).props("flat round dense") \
            .tooltip("Back to your characters")
        selector = character_selector([], state.character_id, state.role, state.name)
        import_card_button(tab.cards.import_card, session.ctx.settings.max_upload_bytes)
        ui.button("Template", icon="style", on_click=lambda: _open_templates(tab)) \
            .props('flat dense no-caps data-testid="start-from-template"').mark("start-from-template") \
            .bind_visibility_from(state, "character_id", backward=lambda cid: cid is None) \
            .classes("max-md:hidden")
        ui.space()
        save_status_badge(state, session.saver.reload_theirs, session.saver.overwrite)
        ui.button(icon="visibility", on_click=lambda: ui.navigate.to(f"/character/{state.character_id}",
                                                                      new_tab=True)) \
            .props("flat round dense").tooltip("Preview").classes("max-md:hidden") \
            .bind_visibility_from(state, "character_id", backward=bool)
        export_menu(tab.cards.export_card).bind_visibility_from(state, "character_id", backward=bool)
        ui.button("Save", on_click=character.save).props("unelevated dense color=primary").classes("md:hidden") \
            .mark("mobile-save")
    return selector


async def _open_templates(tab: StudioTab) -> None:
    open_template_selector(await tab.catalog.templates(), tab.character.apply_template)


def _body(tab: StudioTab, prepare: Callable[[], Awaitable[None]]) -> None:
    state, options = tab.session.state, tab.session.options
    options.sidebar_width = _remembered_width()
    mobile = ui.tabs(value="portraits", on_change=lambda e: _mobile_tab(e.value, splitter, center_tabs)) \
        .classes("md:hidden w-full").props("dense")
    with mobile:
        ui.tab("details", "Details")
        ui.tab("portraits", "Portraits")
        ui.tab("scenes", "Scenes")
    splitter = ui.splitter(limits=SIDEBAR_LIMITS, value=options.sidebar_width,
                           on_change=lambda e: _remember_width(e.value)) \
        .props("unit=px").classes("studio-splitter w-full")  # its height: studio.css fills the window
    with splitter.before, ui.scroll_area().classes("w-full h-full"):
        sidebar = studio_sidebar(state, tab.character, tab.character.save)
    with splitter.after, ui.column().classes("w-full h-full no-wrap gap-0"):
        center_tabs = ui.tabs(value="portraits").classes("max-md:hidden").props("dense align=left")
        with center_tabs:
            ui.tab("portraits", "Portraits").mark("tab-portraits")
            ui.tab("scenes", "Scenes").mark("tab-scenes")
        # value given explicitly: binding to the tabs alone leaves the panels (and the tabs) at None in
        # NiceGUI 3.18, so the browser rendered an empty centre (the User harness does not notice).
        with ui.tab_panels(center_tabs, value="portraits").classes("w-full col").props("keep-alive"):
            portraits_panel = ui.tab_panel("portraits").classes("column no-wrap p-0")
            scenes_panel = ui.tab_panel("scenes")
    Deferred(scenes_panel, lambda: scenes_gallery(tab.scenes)).on_first_view(center_tabs, shown="scenes")
    mobile_bottom_bar(state, tab.scenes, mobile, tab.generation.generate)  # a footer must sit at the page's top level
    after_connect(Deferred(sidebar, lambda: _sidebar_sections(tab)),
                  Deferred(portraits_panel, lambda: _portraits_panel(tab)),
                  prepare=prepare, ready_marker="studio-ready")


def _sidebar_sections(tab: StudioTab) -> None:
    sidebar_sections(tab.session.state, tab.session.options, actions=tab.character, reference=tab.reference,
                     choices=tab.catalog, on_generate=tab.generation.generate, card=tab.character.card)


def _portraits_panel(tab: StudioTab) -> None:
    state, options, catalog = tab.session.state, tab.session.options, tab.catalog
    lightbox = PortraitLightbox(tab.gallery.gallery, tab.gallery)
    upload = FilePicker(tab.reference.upload_reference, accept="image/*,.heic,.heif",
                        max_bytes=tab.session.ctx.settings.max_upload_bytes).mark("prompt-reference-upload")
    with ui.scroll_area().classes("w-full col"), ui.column().classes("w-full gap-2 p-2"):
        pose_presets(catalog.presets("pose"), options)
        PortraitGallery(tab.gallery.gallery, tab.gallery, lightbox.open, on_add=tab.generation.generate)
    prompt_bar(state, options, models=catalog.image_models(), on_generate=tab.generation.generate,
               on_remove_reference=tab.reference.remove_reference, on_upload=upload.pick,
               on_library=lambda: open_image_picker(tab.reference, tab.reference.pick_reference))


def _mobile_tab(value: str, splitter: ui.splitter, center_tabs: ui.tabs) -> None:
    splitter.classes(add="mobile-details") if value == "details" else splitter.classes(remove="mobile-details")
    if value in ("portraits", "scenes"):
        center_tabs.set_value(value)


def _remembered_width() -> int:
    width = app.storage.user.get("sidebar_width", 340)
    return int(min(max(width, SIDEBAR_LIMITS[0]), SIDEBAR_LIMITS[1]))


def _remember_width(value: float | None) -> None:
    if value:
        app.storage.user["sidebar_width"] = int(value)
