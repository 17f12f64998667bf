"""What fills the character's fields from outside the person's typing: suggestions and templates.

Kept apart from :mod:`ui.controllers.character` (which owns the row: open, create, save, remote
edits) because how a suggestion reaches a field is its own policy: a suggestion is a proposal
(:class:`ui.suggestion_state.SuggestionState`) that writes nothing until the person accepts it, so
nothing is auto-saved that they did not choose; "Suggest all" is a review of every field it would
change. An accepted suggestion and an applied template can be undone from their notification, field
by field, where the person has not edited the field since.
"""

from __future__ import annotations

from typing import Any

from core.errors import StudioError
from core.models import CharacterTemplate
from core.suggest.character import suggest_for_character
from core.suggest.service import SuggestResult
from core.templates import apply_template
from ui.components.suggest_review import ReviewRow, open_suggest_review
from ui.components.undo_notice import undo_notice
from ui.suggestion_state import (
    GROUP_LABELS,
    FieldChanges,
    Proposal,
    SuggestionState,
    accepted_value,
    changed_values,
    field_label,
    proposal_from,
)
from ui.tab_session import TabSession

RETRIES = 3  # "Try again" asks for up to this many further variants until one differs from the last


class SuggestionController:
    """Implements :class:`ui.suggestion_state.SuggestionActions` and the template selector's callback."""

    def __init__(self, session: TabSession) -> None:
        self.session = session
        self.state = session.state
        self.proposals = SuggestionState()

    async def suggest(self, field: str) -> None:
        """A proposal beside the field, or for "all" the review of every field it would change."""
        result = await self._ask(field, 0)
        if result is None:
            return
        if field == "all":
            self._review(result)
        else:
            self.proposals.put(self._proposal(field, result, 0))

    async def retry(self, group: str) -> None:
        """Another suggestion in place of the one shown (the next variant that says something else)."""
        shown = self.proposals.get(group)
        variant = shown.variant if shown else 0
        for _ in range(RETRIES):
            variant += 1
            result = await self._ask(group, variant)
            if result is None:
                return
            proposal = self._proposal(group, result, variant)
            if shown is None or proposal.values != shown.values:
                break
        self.proposals.put(proposal)

    def accept(self, group: str) -> None:
        """Write the proposal into the fields (the auto-saver saves them); Undo takes it back."""
        proposal = self.proposals.drop(group)
        if proposal is None or proposal.empty:
            return
        changes = self._write(proposal.values)
        if changes:
            self._offer_undo(f"Suggested {GROUP_LABELS.get(group, group)} accepted", changes)

    def refuse(self, group: str) -> None:
        self.proposals.drop(group)

    async def apply_template(self, template: CharacterTemplate) -> None:
        values = apply_template(self.state.values(), template)
        changes = FieldChanges()
        for name, value in values.items():
            before = getattr(self.state, name)
            if before != value:
                setattr(self.state, name, value)
                changes.record(name, before, getattr(self.state, name))
        message = f"Template “{template.name}” applied"
        if changes:
            self._offer_undo(message, changes)
        else:
            self.session.notify(f"{message}: nothing to change", type="info")

    async def _ask(self, field: str, variant: int) -> SuggestResult | None:
        session = self.session
        try:
            return await suggest_for_character(session.ctx, session.user, field, values=self.state.values(),
                                               chat_model_id=session.options.chat_model_id, variant=variant)
        except StudioError as exc:
            session.notify(exc.message, type="negative")
            return None

    def _proposal(self, group: str, result: SuggestResult, variant: int) -> Proposal:
        return proposal_from(group, result.values, self.state.values(), source=result.source,
                             note=result.note, variant=variant)

    def _review(self, result: SuggestResult) -> None:
        current = self.state.values()
        changed = changed_values(result.values, current)
        rows = [ReviewRow(name, current.get(name), value) for name, value in changed.items()]
        if not rows:
            self.session.notify("Nothing to change: every field already says what the suggestions would", type="info")
            return
        if self.session.client is None:
            return
        accepted = FieldChanges()

        def accept(row: ReviewRow) -> None:
            for name, (before, after) in self._write({row.field: row.proposed}).changes.items():
                accepted.record(name, before, after)

        def closed() -> None:
            if accepted:
                count = len(accepted.changes)
                self._offer_undo(f"{count} suggestion{'s' if count > 1 else ''} accepted", accepted)

        open_suggest_review(self.session.client, rows, source=result.source, note=result.note,
                            on_accept=accept, on_close=closed)

    def _write(self, values: dict[str, Any]) -> FieldChanges:
        """Each proposed value into its field (tags merged into the current list); what changed."""
        changes = FieldChanges()
        for name, proposed in values.items():
            before = getattr(self.state, name)
            after = accepted_value(name, proposed, before)
            if after != before:
                setattr(self.state, name, after)
                changes.record(name, before, getattr(self.state, name))
        return changes

    def _offer_undo(self, message: str, changes: FieldChanges) -> None:
        client = self.session.client
        if client is None or client.is_deleted:
            return
        with client:
            undo_notice(message, lambda: self._undo(changes))

    def _undo(self, changes: FieldChanges) -> None:
        restored, edited = changes.restore(self.state)
        if edited:
            names = ", ".join(field_label(name) for name in edited)
            prefix = f"Undone, except: {names}" if restored else f"Cannot undo: {names}"
            self.session.notify(f"{prefix} (edited since)", type="warning")
        elif restored:
            self.session.notify("Undone", type="info")
