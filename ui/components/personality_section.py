"""The sidebar's Personality & Voice section: persona, voice tone, mood, traits, first message.

These are the fields the chat side reads; each long text has its own Suggest button because people
usually want help with one of them at a time, not a rewrite of everything.
"""

from __future__ import annotations

from nicegui import ui

from core.models import MOODS, VOICE_TONES
from ui.components.lazy_expansion import lazy_expansion
from ui.components.suggest_button import suggest_button
from ui.components.suggest_proposal import SuggestProposal
from ui.state import CharacterState
from ui.suggestion_state import SuggestionActions


def _labels(values: tuple[str, ...]) -> dict[str, str]:
    return {v: v.replace("-", " ").capitalize() for v in values}


def personality_section(state: CharacterState, actions: SuggestionActions) -> ui.expansion:
    def build() -> None:
        _fields(state, actions)

    return lazy_expansion("Personality & Voice", icon="psychology", build=build).classes("w-full") \
        .props("dense header-class=text-weight-medium").mark("section-personality")


def _fields(state: CharacterState, actions: SuggestionActions) -> None:
    with ui.column().classes("w-full gap-2"):
        ui.textarea("Persona").bind_value(state, "persona") \
            .props("outlined autogrow").classes("w-full").mark("persona")
        _suggest(actions, "persona", "Suggest a persona")
        with ui.row().classes("w-full gap-2 no-wrap"):
            ui.select(_labels(VOICE_TONES), label="Voice tone").bind_value(state, "voice_tone") \
                .props("outlined dense").classes("flex-1").mark("voice-tone")
            ui.select(_labels(MOODS), label="Mood").bind_value(state, "mood") \
                .props("outlined dense").classes("flex-1").mark("mood")
        ui.input("Personality traits", placeholder="curious, loyal, a little sarcastic") \
            .bind_value(state, "traits").props('outlined dense data-testid="traits"').classes("w-full").mark("traits")
        _suggest(actions, "traits", "Suggest personality traits")
        ui.textarea("First message").bind_value(state, "first_message") \
            .props("outlined autogrow").classes("w-full").mark("first-message")
        _suggest(actions, "first_message", "Suggest a first message")


def _suggest(actions: SuggestionActions, group: str, tooltip: str) -> None:
    """The field's Suggest button, and under it what it proposes (the field keeps its text)."""
    with ui.row().classes("w-full justify-end"):
        suggest_button(lambda: actions.suggest(group), marker=f"suggest-{group.replace('_', '-')}", tooltip=tooltip)
    SuggestProposal(actions, group)
