"""The character itself in one tab: open, create, save, remote edits.

How a *new* character is created is a policy the page passes in (:class:`CreateRules`): the studio
creates leniently and silently on the way to generating; the create form checks every field with
its strict rules first and shows the messages under the inputs. Nothing here knows which page it
serves. Failures become a toast and never lose what the person typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from nicegui import run

from core import characters
from core.cards.summary import CardSummary, card_summary
from core.context import Context
from core.errors import StudioError
from core.events import Event, EventType
from core.generation.routing import count_i2i_models
from core.models import Character, User
from ui.tab_session import TabSession

CONFLICT_MESSAGE = "Someone changed this character elsewhere: reload theirs or overwrite"


@dataclass(frozen=True)
class Opening:
    """What a page needs before its first answer: the row (None for a new character) and the badge count."""

    found: bool
    row: Character | None
    i2i_count: int


def read_opening(ctx: Context, user: User, character_id: str | None) -> Opening:
    """Blocking: run it in a worker thread, together with the page's other opening reads (one trip)."""
    count = count_i2i_models(ctx.db)
    if character_id is None:
        return Opening(True, None, count)
    try:
        row = characters.get_character(ctx, user, character_id)
    except StudioError:
        return Opening(False, None, count)
    # a public character of someone else is visible, but not theirs to edit here
    return Opening(row.user_id == user.id, row if row.user_id == user.id else None, count)


class CreateRules(Protocol):
    """How a page creates a new character."""

    strict_description: bool  # the create form's 50–500 character description rule
    created_message: str

    def allows_create(self) -> bool:
        """Checked before asking core; False after showing the person why."""
        ...

    def show_create_error(self, exc: StudioError) -> bool:
        """Show core's refusal; False leaves it to the default toast."""
        ...


class StudioRules:
    """The studio's: core's lenient rules, refusals as a toast."""

    strict_description = False
    created_message = "Character saved"

    def allows_create(self) -> bool:
        return True

    def show_create_error(self, exc: StudioError) -> bool:
        return False


class CharacterController:
    """Implements ``EnsuresSaved`` and ``GenerationGate`` (presets: ``ui.controllers.presets``)."""

    def __init__(self, session: TabSession, rules: CreateRules | None = None,
                 on_created: Callable[[str], None] | None = None) -> None:
        self.session = session
        self.state = session.state
        self.rules: CreateRules = rules or StudioRules()
        self.on_created = on_created  # the page's new URL for the character, once it exists
        self.card = CardSummary()
        session.events.subscribe(self._on_event)

    def show(self, opening: Opening) -> None:
        """Load what :func:`read_opening` found into the state and listen to its events."""
        self.session.options.i2i_count = opening.i2i_count
        if opening.row is None:
            return
        self._load_row(opening.row)
        self.card = card_summary(opening.row.card_data)
        self.session.watch(opening.row.id)

    # -- saving ----------------------------------------------------------------------------------

    async def save(self) -> bool:
        """Explicit save: creates a new character, or saves the pending edits now."""
        if self.state.is_new:
            return await self.create()
        if not await self.save_edits():
            return False
        self.session.notify("Character saved", type="positive")
        return True

    async def save_edits(self) -> bool:
        """Save pending edits now; a failure or a conflict is said, and False."""
        await self.session.saver.save_now()
        if self.state.save_status == "error":
            self.session.notify(self.state.error_message or "Saving failed", type="negative")
            return False
        if self.state.save_status == "conflict":
            self.session.notify(CONFLICT_MESSAGE, type="warning")
            return False
        return True

    async def create(self, silent: bool = False) -> bool:
        """Insert the new character; save, generate and the reference upload all go through here."""
        if not self.rules.allows_create():
            return False
        session = self.session
        try:
            row = await run.io_bound(characters.create_character, session.ctx, session.user, self.state.values(),
                                     strict_description=self.rules.strict_description)
        except StudioError as exc:
            if not self.rules.show_create_error(exc):
                self.state.error_message = exc.message
                session.notify(exc.message, type="negative")
            return False
        if row is None:  # the app is shutting down
            return False
        self._load_row(row)
        session.watch(row.id)
        if not silent:
            session.notify(self.rules.created_message, type="positive")
        if self.on_created is not None:
            self.on_created(row.id)
        return True

    async def ensure_saved(self) -> bool:
        if not self.state.is_new:
            return True
        if not self.state.name.strip():
            self.session.notify("Give the character a name first", type="negative")
            return False
        return await self.create(silent=True)

    async def ready_for_generation(self) -> bool:
        """The seed's generatePortrait checks: a name and description; saved silently when new or dirty."""
        state, notify = self.state, self.session.notify
        if not state.name.strip() or not state.description.strip():
            notify("New characters need a name and description before generating portraits"
                   if state.is_new else "Please add a character name and description to continue", type="negative")
            return False
        was_new = state.is_new
        if was_new and not await self.create(silent=True):
            return False
        if state.dirty:
            await self.session.saver.save_now()
        if was_new:
            notify("Character auto-saved — generating your first portrait…", type="info")
        return True

    # -- changes from elsewhere ------------------------------------------------------------------

    async def _on_event(self, event: Event) -> None:
        if event.type == EventType.RESYNC:  # events were lost: read the row and merge what changed
            await self._merge_stored(self.state.character_id)
            return
        if event.type != EventType.CHARACTER_UPDATED:
            return
        changes = event.data.get("changes") or {}
        if "image_url" in changes:
            self.state.image_url = changes["image_url"]
        if "reference_image_url" in changes:
            self.state.reference_image_url = changes["reference_image_url"]
        version = int(event.data.get("version") or 0)
        if event.data.get("source") == self.session.tab_id or version <= self.state.version:
            return
        await self._merge_stored(event.character_id)

    async def _merge_stored(self, character_id: str | None) -> None:
        """The stored row merged into the tab's state (a newer version only): other tabs' edits arrive,
        this tab's unsaved text is kept and clashes are named."""
        session = self.session
        if character_id is None:
            return
        row = await run.io_bound(characters.get_character, session.ctx, session.user, character_id)
        if row.version <= self.state.version:
            return
        self.state.image_url, self.state.reference_image_url = row.image_url, row.reference_image_url
        clashes = self.state.merge_remote(characters.character_fields(row), row.version)
        if clashes:
            session.notify(f"Changed in another tab too: {', '.join(clashes)} — your text is kept", type="warning")

    def _load_row(self, row: Character) -> None:
        self.state.load(characters.character_fields(row), version=row.version, character_id=row.id,
                        image_url=row.image_url, reference_image_url=row.reference_image_url)

