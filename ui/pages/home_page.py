"""``/``: the signed-in person's own characters, searchable and sortable, and the ways to make new ones.

The card grid is a refreshable owned by this page instance (never module-level, which every tab would
share); it rebuilds when the search, the sort or the list itself changes. Cards use ``auto-fill`` columns
with a ``min(100%, …)`` floor, so a 390 px phone gets one column and nothing scrolls sideways.
"""

from __future__ import annotations

from nicegui import events, run, ui

from core import characters
from core.characters import SortKey
from core.container import Studio
from core.errors import StudioError
from core.models import Character, User
from ui import theme
from ui.components.app_header import app_header
from ui.components.character_card import character_card
from ui.components.confirm_dialog import confirm
from ui.session import require_user

PAGE_SIZE = 48
SORTS: dict[str, str] = {"updated": "Recently updated", "created": "Newest", "name": "Name"}


def register(studio: Studio) -> None:
    @ui.page("/", title="Character Studio")
    async def home() -> None:
        theme.apply()
        user = await require_user(studio, "/")
        if user is None:
            return
        view = HomeView(studio, user)
        await view.load()
        view.build()


class HomeView:
    """One tab's home page: search text, sort, how many cards to show, and the loaded characters."""

    def __init__(self, studio: Studio, user: User) -> None:
        self.studio = studio
        self.ctx = studio.ctx
        self.user = user
        self.search = ""
        self.sort: SortKey = "updated"
        self.limit = PAGE_SIZE
        self.rows: list[Character] = []
        self.requests = 0  # numbers list requests so a slow, older answer never replaces a newer one

    async def load(self) -> bool:
        """Fetch the list for the current search and sort; False when a newer request has overtaken this one."""
        self.requests += 1
        ticket = self.requests
        rows = await run.io_bound(characters.list_characters, self.ctx, self.user, search=self.search,
                                  sort=self.sort, limit=self.limit + 1)
        if rows is None or ticket != self.requests:  # shutting down, or typing went on: a later answer wins
            return False
        self.rows = rows
        return True

    def build(self) -> None:
        single_user = self.ctx.settings.auth == "none"
        app_header(self.user, single_user=single_user)
        with ui.column().classes("w-full max-w-6xl mx-auto p-3 sm:p-4 gap-3"):
            with ui.row().classes("w-full items-center gap-2"):
                ui.label("Your characters").classes("text-xl font-semibold flex-grow")
                ui.button("New companion", icon="add", on_click=lambda: ui.navigate.to("/studio")) \
                    .props("no-caps").mark("new-companion")
                ui.button("New persona", icon="person_add", on_click=lambda: ui.navigate.to("/studio?role=user")) \
                    .props("no-caps outline").mark("new-persona")
                ui.button("Quick create", icon="bolt", on_click=lambda: ui.navigate.to("/create")) \
                    .props("no-caps outline").mark("quick-create")
            with ui.row().classes("w-full items-center gap-2 no-wrap"):
                ui.input(placeholder="Search by name", on_change=self.on_search) \
                    .props('outlined dense clearable debounce=250 aria-label="Search by name" data-testid="search"') \
                    .classes("flex-grow min-w-0").mark("search")
                ui.select(SORTS, value=self.sort, on_change=self.on_sort) \
                    .props('outlined dense options-dense data-testid="sort"').classes("w-44 shrink-0").mark("sort")
            self.grid()

    @ui.refreshable_method
    def grid(self) -> None:
        shown = self.rows[: self.limit]
        if not shown:
            with ui.column().classes("w-full items-center py-12 gap-2"):
                ui.icon("group", size="3rem", color="placeholder")
                text = f"No characters match “{self.search}”" if self.search else "No characters yet: create one"
                ui.label(text).classes("text-muted").mark("empty-list")
            return
        with ui.element("div").classes("grid w-full gap-3") \
                .style("grid-template-columns: repeat(auto-fill, minmax(min(100%, 220px), 1fr))"):
            for row in shown:
                character_card(row, on_duplicate=self.duplicate, on_delete=self.delete)
        if len(self.rows) > self.limit:
            ui.button("Show more", on_click=self.show_more).props("flat no-caps").classes("self-center") \
                .mark("show-more")

    async def on_search(self, event: events.ValueChangeEventArguments) -> None:
        self.search = (event.value or "").strip()
        await self.reload()

    async def on_sort(self, event: events.ValueChangeEventArguments) -> None:
        self.sort = event.value or "updated"
        await self.reload()

    async def show_more(self) -> None:
        self.limit += PAGE_SIZE
        await self.reload()

    async def reload(self) -> None:
        if await self.load():
            self.grid.refresh()

    async def duplicate(self, character: Character) -> None:
        try:
            copy = await run.io_bound(characters.duplicate_character, self.ctx, self.user, character.id)
        except StudioError as exc:
            ui.notify(exc.message, type="negative")
            return
        if copy is not None:
            ui.notify(f"Created “{copy.name}”", type="positive")
        await self.reload()

    async def delete(self, character: Character) -> None:
        if not await confirm(f"Delete “{character.name}” with all its portraits and scenes? This cannot be undone."):
            return
        try:
            await run.io_bound(characters.delete_character, self.ctx, self.user, character.id)
        except StudioError as exc:
            ui.notify(exc.message, type="negative")
            return
        ui.notify(f"Deleted “{character.name}”", type="positive")
        await self.reload()
