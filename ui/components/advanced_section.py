"""The sidebar's Advanced section: which chat model writes suggestions, visibility, system prompt.

The chat model choice is per tab (``StudioOptions.chat_model_id``), not part of the character: it is
a tool setting. "Automatic" uses the highest-priority active chat model; the built-in one is the
offline suggester.
"""

from __future__ import annotations

from nicegui import ui

from core.cards.summary import CardSummary
from ui.components.lazy_expansion import lazy_expansion
from ui.state import CharacterState, StudioOptions

AUTOMATIC = "automatic"


def advanced_section(state: CharacterState, options: StudioOptions, chat_models: list[tuple[str, str]],
                     card: CardSummary | None = None) -> ui.expansion:
    """``chat_models``: (id, label) of the active chat models; ``card``: what an imported card brought."""

    def build() -> None:
        choices: dict[str, str] = {AUTOMATIC: "Automatic (best available)"}
        choices.update(dict(chat_models))
        _fields(state, options, choices, card)

    return lazy_expansion("Advanced", icon="tune", build=build).classes("w-full") \
        .props("dense header-class=text-weight-medium").mark("section-advanced")


def _fields(state: CharacterState, options: StudioOptions, choices: dict[str, str], card: CardSummary | None) -> None:
    with ui.column().classes("w-full gap-2"):
        ui.select(choices, label="AI model for suggestions", value=AUTOMATIC) \
            .bind_value(options, "chat_model_id", forward=lambda v: None if v in (None, AUTOMATIC) else v,
                        backward=lambda v: v if v in choices else AUTOMATIC) \
            .props("outlined dense options-dense").classes("w-full").mark("chat-model")
        ui.switch("Public (others can see and chat with this character)").bind_value(state, "is_public") \
            .mark("is-public")
        ui.textarea("System prompt").bind_value(state, "system_prompt") \
            .props("outlined autogrow").classes("w-full").mark("system-prompt")
        _card_details(card)


def _card_details(card: CardSummary | None) -> None:
    """What an imported card brought that the studio keeps but does not edit (written back on export)."""
    if card is None or not card.has_card:
        return
    with ui.column().classes("w-full gap-1 text-sm").mark("card-details"):
        ui.label("From the imported card").classes("text-weight-medium")
        if card.creator:
            ui.label(f"Creator: {card.creator}")
        if card.creator_notes:
            ui.label(f"Creator notes: {card.creator_notes[:300]}").classes("whitespace-pre-wrap")
        if card.tags:
            with ui.row().classes("gap-1"):
                for tag in card.tags[:20]:
                    ui.chip(tag).props("dense outline")
        ui.label(f"Lorebook: {card.lorebook_entries} entr{'y' if card.lorebook_entries == 1 else 'ies'}") \
            .mark("lorebook-entries")
