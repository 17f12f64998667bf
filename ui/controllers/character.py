"""The character itself in one tab: open, create, save, remote edits.

How a *new* character is created is a policy the page passes in (:class:`CreateRules`): the studio
creates leniently, as a private draft, as soon as the character has a name (the auto-saver asks,
see :meth:`CharacterController.create_draft`); the create form checks every field with its strict
rules first and shows the messages under the inputs. Nothing here knows which page it serves. A tab
inserts its character once, however many edits, saves and generations ask at the same moment; what
is typed while the insert runs stays in the fields for the next save. Failures are shown (a toast,
or the badge and the fields for a draft) and never lose what the person typed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from nicegui import run

from core import characters
from core.cards.summary import CardSummary, card_summary
from core.context import Context
from core.errors import StudioError, ValidationError
from core.events import Event, EventType
from core.generation.routing import count_i2i_models
from core.models import Character, User, new_id
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

    strict_description: bool  # the create form's 50-character minimum (the maximum is everyone's)
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
        self.new_id = new_id()  # the id the new character will have: the page may remember it before the insert
        self.on_creating: Callable[[str], None] | None = None  # told ``new_id`` as the insert begins
        self.card = CardSummary()
        self._creating: asyncio.Future[bool] | None = None  # the one insert of this tab, while it runs
        session.events.subscribe(self._on_event)
        if session.autosave:
            session.saver.create = self.create_draft

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
        """Explicit save: creates a new character (or waits for its draft), then saves the pending edits now."""
        was_new = self.state.is_new
        if was_new and not await self.create(silent=True):
            return False
        if not await self.save_edits():
            return False
        self.session.notify(self.rules.created_message if was_new else "Character saved", type="positive")
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
        """Insert the new character; save, generate, the reference upload and the draft all go through
        here, so a tab inserts it once: a second caller waits for the first insert."""
        if self.state.is_new and self._creating is None and not self.rules.allows_create():
            return False
        return await self._create_once(silent, draft=False)

    async def create_draft(self) -> bool:
        """The auto-saver's: insert the named new character as a private draft, quietly (the badge and
        the fields say what went wrong, not a toast per keystroke)."""
        return await self._create_once(True, draft=True)

    async def _create_once(self, silent: bool, *, draft: bool) -> bool:
        if not self.state.is_new:
            return True
        if self._creating is not None:
            await asyncio.shield(self._creating)
            return not self.state.is_new
        self._creating = asyncio.ensure_future(self._insert(silent, draft=draft))
        self._creating.add_done_callback(self._created)
        return await asyncio.shield(self._creating)

    def _created(self, _future: asyncio.Future[bool]) -> None:
        self._creating = None  # done (either way): a failed insert may be tried again

    async def _insert(self, silent: bool, *, draft: bool) -> bool:
        session, state = self.session, self.state
        if self.on_creating is not None:
            on_creating = self.on_creating
            self._in_tab(lambda: on_creating(self.new_id))
        try:
            row = await session.create_character(state.values(), strict_description=self.rules.strict_description,
                                                 character_id=self.new_id)
        except StudioError as exc:
            if not self.rules.show_create_error(exc):
                state.error_message = exc.message
                state.field_errors = dict(exc.errors) if isinstance(exc, ValidationError) else {}
                state.save_status = "error"
                if not draft:
                    session.notify(exc.message, type="negative")
            return False
        if row is None:  # the app is shutting down
            return False
        state.image_url, state.reference_image_url = row.image_url, row.reference_image_url
        state.adopt_created(characters.character_fields(row), version=row.version, character_id=row.id)
        session.watch(row.id)
        if not silent:
            session.notify(self.rules.created_message, type="positive")
        if self.on_created is not None:
            self._in_tab(lambda: self.on_created(row.id) if self.on_created else None)
        return True

    def _in_tab(self, action: Callable[[], None]) -> None:
        """Run ``action`` in this tab's UI context (the draft is created from a background task)."""
        client = self.session.client
        if client is None:
            action()
        elif not client.is_deleted:
            with client:
                action()

    async def ensure_saved(self) -> bool:
        if not self.state.is_new:
            return True
        if not self.state.has_name:
            self.session.notify("Give the character a name first", type="negative")
            return False
        return await self.create(silent=True)

    async def ready_for_generation(self) -> bool:
        """The seed's generatePortrait checks: a name and description; saved silently when new or dirty."""
        state, notify = self.state, self.session.notify
        if not state.has_name or not (state.description or "").strip():
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

