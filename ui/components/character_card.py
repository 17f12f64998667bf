"""One character on the home page: primary portrait (or a placeholder), name, and what can be done with it.

Below Tailwind's ``sm`` (640 px) the card lies on its side - a 112 px portrait beside the name and
the buttons - so a phone shows several characters per screen instead of one tall picture.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from core.models import Character

CharacterAction = Callable[[Character], Awaitable[None]]


def character_card(character: Character, *, on_duplicate: CharacterAction, on_delete: CharacterAction) -> ui.card:
    """Navigation buttons are links so they also open in a new tab; duplicate and delete call back."""
    with ui.card().tight().classes("w-full overflow-hidden max-sm:flex-row max-sm:no-wrap") \
            .props('data-testid="character-card"').mark(f"character-card card-{character.id}") as card:
        with _element("a", href=f"/studio/{character.id}", **{"aria-label": f"Open {character.name}"}) \
                .classes("block w-full aspect-square bg-sunken relative "
                         "max-sm:w-28 max-sm:min-h-28 max-sm:shrink-0 max-sm:aspect-auto max-sm:self-stretch"):
            if character.image_url:
                _element("img", src=character.image_url, loading="lazy", decoding="async", alt="") \
                    .classes("w-full h-full object-cover").mark("card-portrait")
            else:
                with ui.element("div").classes("w-full h-full flex items-center justify-center"):
                    ui.icon("person", size="4rem", color="placeholder").mark("card-placeholder")
            if character.role == "user":
                ui.badge("Persona", color="secondary").classes("absolute top-2 left-2")
            if character.is_public:
                ui.badge("Public", color="positive").classes("absolute top-2 right-2")
        with ui.element("div").classes("w-full min-w-0 flex flex-col max-sm:flex-1"):
            _body(character, on_duplicate=on_duplicate, on_delete=on_delete)
    return card


def _body(character: Character, *, on_duplicate: CharacterAction, on_delete: CharacterAction) -> None:
    """Name, description and the buttons."""
    with ui.card_section().classes("w-full py-2 max-sm:pb-0"):
        ui.label(character.name).classes("font-semibold truncate").mark("card-name")
        ui.label(character.description or "No description yet").classes("text-sm text-muted line-clamp-2")
    with ui.card_actions().classes("w-full flex-wrap gap-x-1 gap-y-0 pt-0"):
        _link_button("Open", "brush", f"/studio/{character.id}", "card-open", primary=True)
        _link_button("Edit form", "edit_note", f"/create/{character.id}", "card-edit")
        _link_button("Preview", "visibility", f"/character/{character.id}", "card-preview")
        ui.space()
        ui.button(icon="content_copy", on_click=lambda: on_duplicate(character)) \
            .props('flat round dense size=sm aria-label="Duplicate"').tooltip("Duplicate").mark("card-duplicate")
        ui.button(icon="delete", on_click=lambda: on_delete(character)) \
            .props('flat round dense size=sm color=negative aria-label="Delete"').tooltip("Delete") \
            .mark("card-delete")


def _link_button(text: str, icon: str, href: str, marker: str, *, primary: bool = False) -> None:
    props = f"href={href} tag=a dense no-caps size=sm" + ("" if primary else " flat")
    ui.button(text, icon=icon).props(props).mark(marker)



def _element(tag: str, **attributes: str) -> ui.element:
    """A plain HTML element with attributes set as values: free text (names, URLs) is never parsed as props."""
    element = ui.element(tag)
    element.props.update(attributes)
    return element
