"""A suggestion shown next to its field as a proposal: Accept, Refuse or Try again.

The field keeps the person's text while the proposal is shown; only Accept writes it. The element
follows one group of :attr:`ui.suggestion_state.SuggestionState.proposals` through a one-way binding
(like the tag chips), so whatever the controller puts there or drops shows without wiring. Tag
proposals list the tags that would be added; a suggestion that would change nothing is a short note.
"""

from __future__ import annotations

from nicegui import binding, ui

from ui.components.suggest_button import suggest_button
from ui.suggestion_state import TAG_FIELDS, Proposal, SuggestionActions, field_label


class SuggestProposal(ui.column):
    """The proposal for one group (``description``, ``appearance``, ...), or nothing."""

    proposal = binding.BindableProperty(on_change=lambda self, _value: self.redraw())

    def __init__(self, actions: SuggestionActions, group: str) -> None:
        super().__init__()
        self.classes("w-full gap-1 empty:hidden")
        self._actions = actions
        self._group = group
        self.proposal: Proposal | None = None
        binding.bind_from(self, "proposal", actions.proposals, "proposals", backward=lambda p: p.get(group))

    def redraw(self) -> None:
        self.clear()
        proposal = self.proposal
        if proposal is None:
            return
        with self:
            if proposal.empty:
                self._note(proposal)
            else:
                self._card(proposal)

    def _card(self, proposal: Proposal) -> None:
        with ui.card().props('flat bordered data-testid="suggest-proposal"') \
                .classes("w-full gap-2 p-3").mark("suggest-proposal", f"suggest-proposal-{self._group}"):
            title = "Offline suggestion" if proposal.source == "offline" else "Suggestion"
            with ui.row().classes("items-center gap-1 text-primary"):
                ui.icon("auto_awesome", size="xs")
                ui.label(title).classes("text-xs font-medium")
            if proposal.note:
                ui.label(proposal.note).classes("text-xs text-muted")
            for name, value in proposal.values.items():
                if len(proposal.values) > 1 or name in TAG_FIELDS:
                    label = field_label(name) + (": add" if name in TAG_FIELDS else "")
                    ui.label(label).classes("text-xs text-muted")
                _value(name, value)
            with ui.row().classes("w-full gap-1 items-center justify-between"):
                self._retry_button()
                ui.space()
                ui.button("Refuse", on_click=lambda: self._actions.refuse(self._group)) \
                    .props('flat dense no-caps data-testid="suggest-refuse"').mark("suggest-refuse")
                ui.button("Accept", icon="check", on_click=lambda: self._actions.accept(self._group)) \
                    .props('unelevated dense no-caps color=primary data-testid="suggest-accept"').mark("suggest-accept")

    def _note(self, proposal: Proposal) -> None:
        with ui.row().classes("w-full items-center gap-1 no-wrap rounded border p-2") \
                .props('data-testid="suggest-note"').mark("suggest-note"):
            ui.label(proposal.note or "Nothing to change").classes("text-xs text-muted flex-1")
            self._retry_button()
            ui.button(icon="close", on_click=lambda: self._actions.refuse(self._group)) \
                .props('flat round dense size=sm aria-label="Dismiss" data-testid="suggest-dismiss"') \
                .mark("suggest-dismiss")

    def _retry_button(self) -> None:
        suggest_button(lambda: self._actions.retry(self._group), "Try again", marker="suggest-retry", icon=None,
                       size="md", tooltip="Another suggestion in place of this one")


def _value(name: str, value: object) -> None:
    """The proposed text as written (line breaks kept), or the tags to add as chips."""
    if name in TAG_FIELDS and isinstance(value, list):
        with ui.row().classes("w-full gap-1"):
            for tag in value:
                ui.chip(f"+ {tag}").props("dense outline color=primary").classes("text-xs") \
                    .mark("suggest-proposal-tag")
        return
    ui.label(str(value)).classes("text-sm whitespace-pre-wrap break-words w-full") \
        .props('data-testid="suggest-proposal-value"').mark("suggest-proposal-value")
