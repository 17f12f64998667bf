"""Per-tab reactive state of one character, and the auto-saver that persists it.

``CharacterState`` holds every editable field as a NiceGUI ``BindableProperty``: inputs bind to it,
and every assignment that really changes a field marks the state dirty and restarts the auto-save
wait. ``AutoSaver`` creates a new character as a private draft as soon as it has a name (through the
page's ``create``, once per tab), then saves it ``delay`` seconds after the last edit, sends only the
fields that changed since the last save (with the version they were edited against), keeps edits made
during a save for the next one, and turns a stale version into a ``conflict`` the person resolves
("reload theirs" or "overwrite") instead of losing either side. Changes saved by another tab arrive
through :meth:`CharacterState.merge_remote` and are applied to every field this tab has not touched.
A refused save keeps the text and names the fields (``field_errors``) so the inputs can say why.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import Event, background_tasks
from nicegui.binding import BindableProperty

from core.character_fields import DEFAULTS as FIELD_DEFAULTS
from core.character_rules import EDITABLE_FIELDS
from core.errors import Conflict, StudioError, ValidationError

log = logging.getLogger(__name__)

SaveStatus = str  # 'saved' | 'saving' | 'unsaved' | 'error' | 'conflict'
STATUS_LABELS = {"saved": "Saved", "saving": "Saving…", "unsaved": "Unsaved", "error": "Error",
                 "conflict": "Conflict"}
# The fields' defaults, with "" for unset text: inputs bind to text, never to None.
DEFAULTS: dict[str, Any] = {field: "" if value is None else value for field, value in FIELD_DEFAULTS.items()}


def _on_field_change(state: CharacterState, value: Any) -> None:
    state._field_changed()


class CharacterState:
    """One character's editable fields plus save bookkeeping; one instance per open tab."""

    save_status = BindableProperty()
    dirty = BindableProperty()
    version = BindableProperty()
    character_id = BindableProperty()
    image_url = BindableProperty()
    reference_image_url = BindableProperty()
    is_generating = BindableProperty()
    progress = BindableProperty()
    error_message = BindableProperty()
    field_errors = BindableProperty()  # field -> why core refused the last save; {} once a save passes

    def __init__(self, values: dict[str, Any] | None = None, *, character_id: str | None = None,
                 version: int = 0) -> None:
        self._loading = True
        for field in EDITABLE_FIELDS:
            setattr(self, field, _copy(DEFAULTS[field]))
        self.save_status = "saved" if character_id else "unsaved"
        self.dirty = False
        self.version = version
        self.character_id = character_id
        self.image_url = None
        self.reference_image_url = None
        self.is_generating = False
        self.progress = 0.0
        self.error_message = ""
        self.field_errors: dict[str, str] = {}
        self.edits = 0  # counts edits, so a save knows whether more came in while it ran
        self.saved_values: dict[str, Any] = {}
        self.conflict_current: dict[str, Any] | None = None
        self.edited: Event[[]] = Event()  # after every real edit (not a load or a merge): the auto-saver listens
        self.load(values or {}, version=version, character_id=character_id)

    @property
    def is_new(self) -> bool:
        return self.character_id is None

    @property
    def has_name(self) -> bool:
        """A non-blank name: what a draft needs to be kept (an input's clear button sets None)."""
        return bool((self.name or "").strip())

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.save_status, self.save_status)

    def values(self) -> dict[str, Any]:
        return {field: _copy(getattr(self, field)) for field in EDITABLE_FIELDS}

    def changed_fields(self) -> dict[str, Any]:
        """Fields that differ from what was last saved (or loaded)."""
        return {f: v for f, v in self.values().items() if v != self.saved_values.get(f)}

    def load(self, values: dict[str, Any], *, version: int, character_id: str | None,
             image_url: str | None = None, reference_image_url: str | None = None) -> None:
        """Replace every field with stored values; this is not an edit."""
        self._loading = True
        try:
            for field in EDITABLE_FIELDS:
                if field in values:
                    setattr(self, field, _copy(_none_to_default(field, values[field])))
            self.saved_values = self.values()
            self.version = version
            self.character_id = character_id
            if image_url is not None or character_id is None:
                self.image_url = image_url
            if reference_image_url is not None or character_id is None:
                self.reference_image_url = reference_image_url
            self.dirty = False
            self.conflict_current = None
            if character_id:
                self.save_status = "saved"
        finally:
            self._loading = False

    def adopt_created(self, stored: dict[str, Any], *, version: int, character_id: str) -> None:
        """The draft now exists as ``stored``: this tab edits that row, and what was typed while it was
        being created stays in the fields, unsaved, for the next save."""
        self.saved_values = {field: _copy(_none_to_default(field, stored.get(field))) for field in EDITABLE_FIELDS}
        self.version = version
        self.character_id = character_id
        self.error_message = ""
        self.field_errors = {}
        self.dirty = bool(self.changed_fields())
        if self.save_status != "conflict":
            self.save_status = "unsaved" if self.dirty else "saved"

    def mark_saved(self, sent: dict[str, Any], version: int) -> None:
        """A save of ``sent`` succeeded at ``version``; later edits stay dirty."""
        self.saved_values.update(_copy(sent))
        self.version = version
        self.dirty = bool(self.changed_fields())

    def merge_remote(self, stored: dict[str, Any], version: int) -> list[str]:
        """Apply another tab's saved values to every field this tab has not edited.

        Returns the fields both sides changed. With none, this tab adopts the new version; with some,
        it keeps its own text and its old version, so its next save reports the conflict.
        """
        if version <= self.version:
            return []
        clashes: list[str] = []
        self._loading = True
        try:
            for field in EDITABLE_FIELDS:
                theirs, base, mine = stored.get(field), self.saved_values.get(field), getattr(self, field)
                theirs = _none_to_default(field, theirs)
                if theirs == base:
                    continue
                if mine == base:
                    setattr(self, field, _copy(theirs))
                    self.saved_values[field] = _copy(theirs)
                elif mine != theirs:
                    clashes.append(field)
                else:
                    self.saved_values[field] = _copy(theirs)
            if not clashes:
                self.version = version
            self.dirty = bool(self.changed_fields())
        finally:
            self._loading = False
        return clashes

    def _field_changed(self) -> None:
        if getattr(self, "_loading", True):
            return
        self.edits += 1
        self.dirty = bool(self.changed_fields())
        if self.save_status != "conflict":
            self.save_status = "unsaved" if self.dirty else "saved"
        self.edited.emit()


for _field in EDITABLE_FIELDS:
    setattr(CharacterState, _field, BindableProperty(on_change=_on_field_change))
    CharacterState.__dict__[_field].__set_name__(CharacterState, _field)


SaveFn = Callable[[dict[str, Any], int], Awaitable[tuple[dict[str, Any], int]]]
CreateFn = Callable[[], Awaitable[bool]]  # insert the new character (once per tab); True when it exists


class AutoSaver:
    """Debounced saving of a CharacterState: ``delay`` seconds after the last edit, one save at a time.

    A new character is saved by ``create`` (set by the page's character controller) the moment it has a
    name, without the wait, so a reload a second later already finds it; edits made meanwhile are
    saved after the wait like any other. Without ``create`` a new character waits for an explicit save.
    """

    def __init__(self, state: CharacterState, save: SaveFn, delay: float = 2.0, *, follow_edits: bool = True) -> None:
        """``follow_edits=False``: save only when told (``save_now``), for a page whose saves are explicit."""
        self.state = state
        self._save = save
        self.create: CreateFn | None = None
        self.delay = delay
        self._timer: asyncio.Task[None] | None = None
        self._running: asyncio.Future[Any] | None = None
        self._held = False
        self.saves = 0
        if follow_edits:
            state.edited.subscribe(self.schedule)  # made in a page: ends with its client

    def schedule(self) -> None:
        """(Re)start the wait; a new character with a name is created at once instead."""
        if self.state.save_status == "conflict" or self._held:
            return
        if self.state.is_new:
            self._start_draft()
            return
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
        if self.state.dirty:
            self._timer = background_tasks.create(self._wait_then_save(), name="autosave-wait")

    async def flush(self) -> None:
        """Save now if anything is pending (tab closing, navigation); wait for a running save."""
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
        if self._running is not None and not self._running.done():
            await asyncio.shield(self._running)
        if self.state.dirty and self.state.save_status != "conflict":
            await self.save_now()

    async def save_now(self) -> None:
        """Save the pending edits now (creating the draft first when the character is new and named)."""
        if self._running is not None and not self._running.done():
            await asyncio.shield(self._running)
            if not self.state.dirty:
                return
        if self.state.is_new:
            if self.create is None or not self.state.has_name:
                return
            self._running = asyncio.ensure_future(self._create_draft())
            await asyncio.shield(self._running)
            if self.state.is_new or not self.state.dirty:
                return
        self._running = asyncio.ensure_future(self._save_once())
        await asyncio.shield(self._running)

    def hold(self) -> None:
        """No auto-save until :meth:`release`: the person is being asked whether to keep these edits,
        and the answer must not change while they read the question (flush and save_now still save)."""
        self._held = True
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()

    def release(self) -> None:
        self._held = False
        self.schedule()

    def discard(self) -> None:
        """Drop this tab's unsaved edits (the person chose to leave without saving)."""
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
        state = self.state
        state.load(state.saved_values, version=state.version, character_id=state.character_id)
        state.field_errors = {}
        state.save_status = "saved" if state.character_id else "unsaved"

    def _start_draft(self) -> None:
        """Create the draft in the background unless it is being created (that one's follow-up saves
        what arrives meanwhile) or has no name yet."""
        if self.create is None or not self.state.has_name:
            return
        if self._running is not None and not self._running.done():
            return
        self._running = background_tasks.create(self._create_draft(), name="draft-create")

    async def _create_draft(self) -> None:
        state = self.state
        if not state.is_new or not state.has_name or self.create is None:
            return  # created meanwhile, or the name was cleared before the create began: nothing to do
        state.save_status = "saving"
        created = await self.create()
        if created and state.dirty:
            self.schedule()  # typed while it was being created: saved after the wait

    async def overwrite(self) -> None:
        """Resolve a conflict by saving this tab's values over the current version."""
        current = self.state.conflict_current or {}
        self.state.version = int(current.get("version", self.state.version))
        self.state.saved_values = {f: _copy(current.get(f)) for f in EDITABLE_FIELDS if f in current}
        self.state.conflict_current = None
        self.state.save_status = "unsaved"
        self.state.dirty = bool(self.state.changed_fields())
        await self.save_now()

    def reload_theirs(self) -> None:
        """Resolve a conflict by taking the stored row and dropping this tab's edits."""
        current = self.state.conflict_current or {}
        self.state.load(current, version=int(current.get("version", self.state.version)),
                        character_id=self.state.character_id, image_url=current.get("image_url"))

    async def _wait_then_save(self) -> None:
        await asyncio.sleep(self.delay)
        await self.save_now()

    async def _save_once(self) -> None:
        """One save; a stale version whose changes touch none of our fields is merged and retried."""
        state = self.state
        for _attempt in range(3):
            changes = state.changed_fields()
            if not changes:
                state.dirty = False
                state.save_status = "saved"
                return
            edits_before = state.edits
            state.save_status = "saving"
            try:
                _stored, version = await self._save(changes, state.version)
            except Conflict as exc:
                current = _row_values(exc.current)
                if state.merge_remote(current, int(current.get("version", 0))):
                    state.conflict_current = current
                    state.save_status = "conflict"
                    return
                continue  # someone saved other fields: we now stand on their version, try again
            except ValidationError as exc:
                state.error_message = exc.message
                state.field_errors = dict(exc.errors)  # the inputs say why; the row stays as it was
                state.save_status = "error"
                return
            except StudioError as exc:
                state.error_message = exc.message
                state.save_status = "error"
                return
            except Exception:  # noqa: BLE001 - shown to the person, logged for the admin
                log.exception("auto-save failed")
                state.error_message = "Saving failed; your edits are kept in this tab"
                state.save_status = "error"
                return
            self.saves += 1
            state.error_message = ""
            state.field_errors = {}
            state.mark_saved(changes, version)
            state.save_status = "unsaved" if state.dirty else "saved"
            if state.dirty and state.edits != edits_before:
                self.schedule()
            return
        state.save_status = "unsaved"
        self.schedule()


def _row_values(row: Any) -> dict[str, Any]:
    if isinstance(row, dict):
        return row
    data = {f: getattr(row, f) for f in EDITABLE_FIELDS}
    data.update(version=row.version, image_url=getattr(row, "image_url", None))
    return data


def _none_to_default(field: str, value: Any) -> Any:
    return _copy(DEFAULTS[field]) if value is None else value


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


class StudioOptions:
    """Per-tab generation choices shared by the sidebar, the prompt bar and the pose chips."""

    model_id = BindableProperty()  # api_models.id, or None for automatic routing
    pose = BindableProperty()  # a pose preset's prompt fragment, or None
    prompt = BindableProperty()  # the prompt bar's text (at most 200 characters)
    i2i_count = BindableProperty()  # active I2I-capable models, for the Image Match Mode badge
    sidebar_width = BindableProperty()
    chat_model_id = BindableProperty()  # api_models.id of the chat model for suggestions, or None (best active)

    def __init__(self) -> None:
        self.model_id = None
        self.pose = None
        self.prompt = ""
        self.i2i_count = 0
        self.sidebar_width = 340
        self.chat_model_id = None
