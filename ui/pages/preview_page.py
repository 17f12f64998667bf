"""``/character/{id}``: the character as others see it, read-only.

Visibility is core's rule (``characters.get_character``): the owner always, anyone signed in when it
is public, nobody else; a private character of someone else is "not found", never "forbidden", so the
URL does not even confirm that it exists.
"""

from __future__ import annotations

from nicegui import ui

from core import characters, scenes
from core.container import Studio
from core.context import Context
from core.errors import NotFound
from core.models import Character, CharacterScene, User
from ui import theme
from ui.components.app_header import app_header
from ui.components.not_found import character_not_found
from ui.session import require_user_and


def register(studio: Studio) -> None:
    @ui.page("/character/{character_id}", title="Character · Character Studio")
    async def preview(character_id: str) -> None:
        theme.apply()
        found = await require_user_and(studio, f"/character/{character_id}",
                                       lambda user: _read(studio.ctx, user, character_id))
        if found is None:
            return
        user, shown = found
        single_user = studio.ctx.settings.auth == "none"
        app_header(user, single_user=single_user, title="Preview")
        if shown is None:
            character_not_found()
            return
        row, scene_rows = shown
        ui.page_title(f"{row.name} · Character Studio")
        character_view(row, scene_rows, user)



def _read(ctx: Context, user: User, character_id: str) -> tuple[Character, list[CharacterScene]] | None:
    """Blocking, in the page's one trip to a worker thread: the character and its scenes, or None."""
    try:
        return characters.get_character(ctx, user, character_id), scenes.list_scenes(ctx, user, character_id)
    except NotFound:
        return None


def character_view(row: Character, scene_rows: list[CharacterScene], user: User) -> None:
    with ui.column().classes("w-full max-w-4xl mx-auto p-3 sm:p-4 gap-4"):
        with ui.element("div").classes("grid grid-cols-1 md:grid-cols-[320px_1fr] gap-4 w-full"):
            with ui.element("div").classes("w-full aspect-square rounded-lg overflow-hidden bg-sunken"):
                if row.image_url:
                    _img(row.image_url, "Portrait of the character") \
                        .classes("w-full h-full object-cover").mark("preview-portrait")
                else:
                    with ui.element("div").classes("w-full h-full flex items-center justify-center"):
                        ui.icon("person", size="6rem", color="placeholder").mark("preview-placeholder")
            with ui.column().classes("gap-2 min-w-0"):
                ui.label(row.name).classes("text-2xl font-semibold break-words").mark("preview-name")
                with ui.row().classes("gap-1"):
                    ui.badge(row.gender.capitalize(), color="neutral")
                    nsfw = row.content_rating == "nsfw"
                    ui.badge(row.content_rating.upper(), color="negative" if nsfw else "positive")
                    ui.badge("Public" if row.is_public else "Private",
                             color="primary" if row.is_public else "neutral") \
                        .mark("preview-visibility")
                    if row.role == "user":
                        ui.badge("Persona", color="secondary")
                ui.label(row.description or "No description.").classes("whitespace-pre-wrap break-words") \
                    .mark("preview-description")
                tags = [*row.appearance_tags, *row.clothing_tags]
                if tags:
                    with ui.row().classes("gap-1"):
                        for tag in tags:
                            ui.chip(tag).props("dense outline").mark("preview-tag")
                if row.user_id == user.id:
                    with ui.row().classes("gap-2 pt-2"):
                        ui.button("Open in studio", icon="brush").props(f"href=/studio/{row.id} tag=a no-caps")
                        ui.button("Edit form", icon="edit_note").props(f"href=/create/{row.id} tag=a flat no-caps")
        _greetings(row)
        _scenes(scene_rows)


def _greetings(row: Character) -> None:
    greetings: list[tuple[str, str]] = []
    if (row.first_message or "").strip():
        greetings.append(("First message", row.first_message or ""))
    for number, text in enumerate((g for g in row.alternate_greetings if g.strip()), start=1):
        greetings.append((f"Alternate greeting {number}", text))
    if not greetings:
        return
    ui.label("Greetings").classes(theme.SECTION_TITLE)
    for caption, text in greetings:
        with ui.card().classes("w-full").props("flat bordered"):
            ui.label(caption).classes(theme.CAPTION)
            ui.label(text).classes("whitespace-pre-wrap break-words").mark("preview-greeting")


def _scenes(scene_rows: list[CharacterScene]) -> None:
    if not scene_rows:
        return
    ui.label("Scenes").classes(theme.SECTION_TITLE)
    with ui.element("div").classes("grid w-full gap-3") \
            .style("grid-template-columns: repeat(auto-fill, minmax(min(100%, 220px), 1fr))"):
        for scene in scene_rows:
            with ui.card().tight().classes("w-full overflow-hidden").mark("preview-scene"):
                if scene.image_url:
                    _img(scene.image_url, "") \
                        .classes("w-full aspect-video object-cover")
                with ui.card_section():
                    ui.label(scene.scene_name).classes("font-semibold")
                    if scene.scene_description:
                        ui.label(scene.scene_description).classes(f"{theme.HINT} whitespace-pre-wrap")


def _img(src: str, alt: str) -> ui.element:
    """An ``<img>`` with its URL set as a value, never parsed as a props string."""
    element = ui.element("img")
    element.props.update(src=src, alt=alt, loading="lazy")
    return element
