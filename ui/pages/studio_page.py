"""``/studio`` and ``/studio/{id}``: the CharacterStudio page, composed from components.

Desktop: header, resizable sidebar (280–480 px, width remembered per user) and a centre with the
Portraits / Scenes / Expressions tabs and the sticky prompt bar. Below 768 px the same elements re-flow
into Details / Portraits / Scenes / Expressions tabs (CSS in ``ui/static/studio.css``), so nothing is
built twice. The Scenes and Expressions panels are built when first opened.

What a person waits for is the first portraits: the first page of the gallery and the catalog's
lists are read with the character (one trip to a worker thread), and the first screenful of tiles is
in the first answer, its images loading while the browser opens the websocket. The first answer
holds little else (the frame, the header, the pose chips above the gallery, so nothing moves when the
rest arrives); the sidebar's sections, the prompt bar below the gallery, the tiles' menus, the rest
of the tiles and the menus and pickers that only work connected follow once the browser is
connected (:func:`~ui.components.deferred.after_connect`).

Nothing typed is lost: a new character becomes a private draft as soon as it has a name and the
address bar turns into ``/studio/{id}`` (a reload that comes first still finds the draft through the
tab's storage); Back and the switcher ask before unsaved edits are dropped (``leave-confirm``), and
the browser asks on reload or close while an edit is unsaved.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import NamedTuple

from nicegui import app, run, ui
from nicegui.client import Client

from core.characters import list_characters
from core.container import Studio
from core.context import Context
from core.errors import StudioError
from core.models import CharacterPortrait, User
from ui import theme
from ui.components.character_selector import CharacterSelector
from ui.components.deferred import Deferred, after_connect
from ui.components.expression_panel import expression_panel
from ui.components.expression_tabs import expressions_tab, follow_width
from ui.components.file_picker import FilePicker
from ui.components.image_picker import open_image_picker
from ui.components.leave_confirm import LeaveConfirm
from ui.components.mobile_bottom_bar import mobile_bottom_bar
from ui.components.not_found import character_not_found
from ui.components.portrait_gallery import PortraitGallery
from ui.components.portrait_lightbox import PortraitLightbox
from ui.components.pose_presets import pose_presets
from ui.components.prompt_bar import prompt_bar
from ui.components.scenes_gallery import scenes_gallery
from ui.components.studio_header import HeaderActions, studio_header
from ui.components.studio_sidebar import sidebar_sections, studio_sidebar
from ui.components.template_selector import open_template_selector
from ui.controllers.catalog import CatalogLists, read_lists
from ui.controllers.character import Opening, read_opening
from ui.controllers.gallery import read_page
from ui.session import require_user_and
from ui.studio_tab import StudioTab

CSS = Path(__file__).resolve().parent.parent / "static" / "studio.css"
DRAFT_KEY = "studio_draft"  # app.storage.tab: the draft a new-character page of this tab created
NAVIGATION_TYPE = "performance.getEntriesByType('navigation')[0]?.type || ''"  # 'reload', 'navigate', ...
SIDEBAR_LIMITS = (280, 480)
log = logging.getLogger(__name__)
Page = tuple[list[CharacterPortrait], int]  # one page of the gallery and how many portraits there are


def register(studio: Studio) -> None:
    @ui.page("/studio", title="Character Studio")
    async def new_character(role: str = "ai") -> None:
        await build_studio(studio, None, "user" if role == "user" else "ai")

    @ui.page("/studio/{character_id}", title="Character Studio")
    async def existing_character(character_id: str) -> None:
        await build_studio(studio, character_id, "ai")


class StudioOpening(NamedTuple):
    """What the first answer shows, read in one trip to a worker thread."""

    opening: Opening
    first_page: Page | None  # None: read once connected
    lists: CatalogLists


async def build_studio(studio: Studio, character_id: str | None, role: str) -> None:
    theme.apply()
    path = f"/studio/{character_id}" if character_id else "/studio"
    found = await require_user_and(studio, path, lambda user: _opening_reads(studio.ctx, user, character_id))
    if found is None:
        return
    user, read = found
    if not read.opening.found:
        character_not_found()
        return
    tab = StudioTab.compose(studio, user, role=role, lists=read.lists,
                            on_created=lambda cid: ui.navigate.history.replace(f"/studio/{cid}"))
    tab.character.on_creating = _remember_draft
    tab.character.show(read.opening)
    tab.gallery.show(read.first_page)
    client = ui.context.client
    tab.session.attach(client)
    ui.add_css(CSS)
    selector = _header(tab, _leave_confirm(tab))

    async def prepare() -> None:
        if character_id is None and await _reopen_reloaded_draft(studio.ctx, user, client):
            return
        own, _ = await asyncio.gather(run.io_bound(list_characters, studio.ctx, user, limit=200), tab.load_content())
        selector.show_own(own or [])

    _body(tab, prepare)


def _remember_draft(character_id: str) -> None:
    """The draft this browser tab is creating, kept in the tab's storage (it outlives a reload)."""
    try:
        app.storage.tab[DRAFT_KEY] = character_id
    except RuntimeError:  # not connected (yet): nothing to keep it in; the flush on disconnect still saves
        log.debug("no tab storage to remember draft %s in", character_id)


async def _reopen_reloaded_draft(ctx: Context, user: User, client: Client) -> bool:
    """A reload that came before the draft's URL was in the address bar opens ``/studio`` again: open the
    draft this tab was creating instead of a blank character. Only a reload: "+ Create New" (a plain
    navigation) starts afresh, and the remembered id is used once either way."""
    with client:
        draft = app.storage.tab.pop(DRAFT_KEY, None)
    if not draft:
        return False
    try:
        kind = await client.run_javascript(NAVIGATION_TYPE, timeout=3)
    except TimeoutError:
        return False
    if kind != "reload":
        return False
    opening = await run.io_bound(read_opening, ctx, user, draft)
    if opening.row is None or client.is_deleted:  # refused, or not this person's: stay on the blank character
        return False
    with client:
        ui.navigate.to(f"/studio/{draft}")
    return True


def _opening_reads(ctx: Context, user: User, character_id: str | None) -> StudioOpening:
    """Blocking: the character, the first page of its gallery (a new character's is empty) and the
    catalog's lists (the pose chips above the gallery show them)."""
    opening = read_opening(ctx, user, character_id)
    if not opening.found:
        return StudioOpening(opening, None, read_lists(ctx))
    first_page: Page | None = ([], 0)
    if character_id is not None:
        try:
            first_page = read_page(ctx, user, character_id)
        except StudioError:
            first_page = None  # the gallery loads once connected
    return StudioOpening(opening, first_page, read_lists(ctx))


def _leave_confirm(tab: StudioTab) -> LeaveConfirm:
    """Back and the switcher ask before leaving unsaved edits; a named new character can be saved first."""
    state = tab.session.state

    async def save() -> bool:
        if state.is_new and not await tab.character.create(silent=True):
            return False
        return await tab.character.save_edits()

    saver = tab.session.saver
    return LeaveConfirm(state, save=save, discard=saver.discard, pause=saver.hold, resume=saver.release,
                        can_save=lambda: not state.is_new or state.has_name)


def _header(tab: StudioTab, leave: LeaveConfirm) -> CharacterSelector:
    session, state = tab.session, tab.session.state
    actions = HeaderActions(
        back=lambda: leave.leave("/"), import_card=tab.cards.import_card, templates=lambda: _open_templates(tab),
        reload_theirs=session.saver.reload_theirs, overwrite=session.saver.overwrite,
        preview=lambda: ui.navigate.to(f"/character/{state.character_id}", new_tab=True),
        export_card=tab.cards.export_card, save=tab.character.save)
    selector = studio_header(state, actions, max_upload_bytes=session.ctx.settings.max_upload_bytes)
    assert isinstance(selector, CharacterSelector)
    selector.navigate = leave.leave
    selector.follow(state)
    return selector


async def _open_templates(tab: StudioTab) -> None:
    open_template_selector(await tab.catalog.templates(), tab.suggestions.apply_template)


def _body(tab: StudioTab, prepare: Callable[[], Awaitable[None]]) -> None:
    state, options = tab.session.state, tab.session.options
    options.sidebar_width = _remembered_width()
    mobile = ui.tabs(value="portraits", on_change=lambda e: _mobile_tab(e.value, splitter, center_tabs)) \
        .classes("md:hidden w-full").props("dense")
    with mobile:
        ui.tab("details", "Details")
        ui.tab("portraits", "Portraits")
        ui.tab("scenes", "Scenes")
        expressions_tab("phone")
    splitter = ui.splitter(limits=SIDEBAR_LIMITS, value=options.sidebar_width,
                           on_change=lambda e: _remember_width(e.value)) \
        .props("unit=px").classes("studio-splitter w-full")  # its height: studio.css fills the window
    with splitter.before, ui.scroll_area().classes("w-full h-full"):
        sidebar = studio_sidebar(state, tab.suggestions, tab.character.save)
    with splitter.after, ui.column().classes("w-full h-full no-wrap gap-0"):
        center_tabs = ui.tabs(value="portraits").classes("max-md:hidden").props("dense align=left")
        with center_tabs:
            ui.tab("portraits", "Portraits").mark("tab-portraits")
            ui.tab("scenes", "Scenes").mark("tab-scenes")
            expressions_tab("desktop")
        # value given explicitly: binding to the tabs alone leaves the panels (and the tabs) at None in
        # NiceGUI 3.18, so the browser rendered an empty centre (the User harness does not notice).
        with ui.tab_panels(center_tabs, value="portraits").classes("w-full col").props("keep-alive"):
            portraits_panel = ui.tab_panel("portraits").classes("column no-wrap p-0")
            scenes_panel = ui.tab_panel("scenes")
            expressions_panel = ui.tab_panel("expressions").classes("column no-wrap p-0")
    Deferred(scenes_panel, lambda: scenes_gallery(state, tab.scenes)).on_first_view(center_tabs, shown="scenes")
    Deferred(expressions_panel, lambda: _expressions_panel(tab)).on_first_view(center_tabs, shown="expressions")
    with portraits_panel:
        bar = _portraits_panel(tab)
    # the phone's bottom bar is hidden on the Portraits tab the page opens with; a footer must sit at
    # the page's top level
    footer = Deferred(ui.context.client.content,
                      lambda: mobile_bottom_bar(tab.scenes, mobile))
    after_connect(footer, Deferred(mobile, follow_width), Deferred(sidebar, lambda: _sidebar_sections(tab)),
                  Deferred(bar, lambda: _prompt_bar(tab)),
                  prepare=prepare, ready_marker="studio-ready")


def _sidebar_sections(tab: StudioTab) -> None:
    sidebar_sections(tab.session.state, tab.session.options, actions=tab.presets, suggests=tab.suggestions,
                     reference=tab.reference, choices=tab.catalog, on_generate=tab.generation.generate,
                     card=tab.character.card)


def _portraits_panel(tab: StudioTab) -> ui.element:
    """The pose chips and the gallery (its first screenful in the first answer), and where the prompt
    bar goes once connected: it arrives under the gallery, so nothing above it moves."""
    lightbox = PortraitLightbox(tab.gallery.gallery, tab.gallery)
    with ui.scroll_area().classes("w-full col"), ui.column().classes("w-full gap-2 p-2"):
        pose_presets(tab.catalog.presets("pose"), tab.session.options)
        PortraitGallery(tab.gallery.gallery, tab.gallery, lightbox.open, on_add=tab.generation.generate)
    return ui.element("div").classes("w-full empty:hidden")


def _expressions_panel(tab: StudioTab) -> None:
    with ui.scroll_area().classes("w-full col"):
        expression_panel(tab.session.state, tab.expressions, tab.catalog.image_models(),
                         max_upload_bytes=tab.session.ctx.settings.max_upload_bytes)


def _prompt_bar(tab: StudioTab) -> None:
    state, options = tab.session.state, tab.session.options
    upload = FilePicker(tab.reference.upload_reference, accept="image/*,.heic,.heif",
                        max_bytes=tab.session.ctx.settings.max_upload_bytes).mark("prompt-reference-upload")
    prompt_bar(state, options, models=tab.catalog.image_models(), on_generate=tab.generation.generate,
               on_remove_reference=tab.reference.remove_reference, on_upload=upload.pick,
               on_library=lambda: open_image_picker(tab.reference, tab.reference.pick_reference))


def _mobile_tab(value: str, splitter: ui.splitter, center_tabs: ui.tabs) -> None:
    splitter.classes(add="mobile-details") if value == "details" else splitter.classes(remove="mobile-details")
    if value in ("portraits", "scenes", "expressions"):
        center_tabs.set_value(value)


def _remembered_width() -> int:
    width = app.storage.user.get("sidebar_width", 340)
    return int(min(max(width, SIDEBAR_LIMITS[0]), SIDEBAR_LIMITS[1]))


def _remember_width(value: float | None) -> None:
    if value:
        app.storage.user["sidebar_width"] = int(value)
