"""The auto-saver on its own: debounce, edits during a save, merges, conflicts, flush."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from nicegui import core

from core.errors import Conflict, ValidationError
from tests.support.waiting import eventually
from ui.state import AutoSaver, CharacterState


class FakeStore:
    """The saver's only collaborator: a versioned row, as core's update_character keeps it."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = dict(values)
        self.version = 1
        self.calls: list[tuple[dict[str, Any], int]] = []
        self.gate: asyncio.Event | None = None

    async def save(self, changes: dict[str, Any], version: int) -> tuple[dict[str, Any], int]:
        self.calls.append((dict(changes), version))
        if self.gate is not None:
            await self.gate.wait()
        if version != self.version:
            raise Conflict("stale", {**self.values, "version": self.version})
        self.values.update(changes)
        self.version += 1
        return changes, self.version


@pytest.fixture(autouse=True)
async def nicegui_loop() -> None:
    core.loop = asyncio.get_running_loop()  # background_tasks needs NiceGUI's loop; here it is ours


@pytest.fixture
def store() -> FakeStore:
    return FakeStore({"name": "Mira", "description": "d", "persona": ""})


def _open(store: FakeStore, delay: float = 0.05) -> tuple[CharacterState, AutoSaver]:
    state = CharacterState(store.values, character_id="c1", version=store.version)
    return state, AutoSaver(state, store.save, delay=delay)


async def _until(condition: Any) -> None:
    await eventually(condition, within=3)


async def test_each_edit_restarts_the_wait_and_one_save_sends_every_change(store: FakeStore) -> None:
    state, _saver = _open(store, delay=0.15)
    for text in ("M", "Mi", "Mir", "Mira B"):
        state.name = text
        await asyncio.sleep(0.05)
    assert store.calls == []  # still typing: nothing saved yet
    await _until(lambda: state.save_status == "saved")
    assert store.calls == [({"name": "Mira B"}, 1)] and state.version == 2 and not state.dirty


async def test_edits_made_during_a_save_are_kept_for_the_next(store: FakeStore) -> None:
    state, saver = _open(store)
    store.gate = asyncio.Event()
    state.name = "First"
    await _until(lambda: state.save_status == "saving")
    state.persona = "typed while saving"
    store.gate.set()
    await _until(lambda: len(store.calls) == 2 and state.save_status == "saved")
    assert store.calls[1] == ({"persona": "typed while saving"}, 2)
    assert store.values["persona"] == "typed while saving" and saver.saves == 2


async def test_someone_elses_save_of_other_fields_is_merged_and_the_save_retried(store: FakeStore) -> None:
    state, _saver = _open(store)
    store.values["description"], store.version = "changed elsewhere", 2
    state.name = "Mine"
    await _until(lambda: state.save_status == "saved")
    assert store.values["name"] == "Mine" and state.description == "changed elsewhere" and state.version == 3


async def test_both_sides_changing_one_field_is_a_conflict_that_keeps_my_text(store: FakeStore) -> None:
    state, saver = _open(store)
    store.values["name"], store.version = "Theirs", 2
    state.name = "Mine"
    await _until(lambda: state.save_status == "conflict")
    assert state.name == "Mine" and store.values["name"] == "Theirs"
    await saver.overwrite()
    assert store.values["name"] == "Mine" and state.save_status == "saved"


async def test_reload_theirs_drops_my_edit(store: FakeStore) -> None:
    state, saver = _open(store)
    store.values["name"], store.version = "Theirs", 2
    state.name = "Mine"
    await _until(lambda: state.save_status == "conflict")
    saver.reload_theirs()
    assert state.name == "Theirs" and state.version == 2 and state.save_status == "saved" and not state.dirty


async def test_flush_saves_a_pending_edit_at_once(store: FakeStore) -> None:
    state, saver = _open(store, delay=60)
    state.name = "Closing the tab"
    await saver.flush()
    assert store.values["name"] == "Closing the tab"


async def test_a_new_character_without_a_creator_waits_for_an_explicit_save(store: FakeStore) -> None:
    """The create form's saver has no ``create``: its new character is saved by Save only."""
    state = CharacterState({"name": "Unsaved"})
    AutoSaver(state, store.save, delay=0.01)
    state.name = "Still unsaved"
    await asyncio.sleep(0.05)  # the span in which an auto-save would have fired
    assert store.calls == [] and state.is_new


class FakeCreator:
    """The character controller's ``create_draft``: one insert, held at a gate while the test types."""

    def __init__(self, state: CharacterState, store: FakeStore) -> None:
        self.state, self.store = state, store
        self.inserted: list[dict[str, Any]] = []
        self.gate = asyncio.Event()

    async def create(self) -> bool:
        sent = self.state.values()
        self.inserted.append(sent)
        await self.gate.wait()
        self.store.values, self.store.version = dict(sent), 1
        self.state.adopt_created(sent, version=1, character_id="new-1")
        return True


async def test_a_named_new_character_is_created_at_once_and_edits_made_meanwhile_save_next(
        store: FakeStore) -> None:
    state = CharacterState({})
    saver = AutoSaver(state, store.save, delay=0.05)
    creator = FakeCreator(state, store)
    saver.create = creator.create
    state.description = "no name yet"
    await asyncio.sleep(0.1)
    assert creator.inserted == [] and state.save_status == "unsaved"  # nothing to keep without a name
    state.name = "Iris"
    await _until(lambda: len(creator.inserted) == 1)  # no wait for the pause: at once
    assert state.save_status == "saving"
    state.name = "Iris Vale"  # typed while the insert runs: no second insert
    state.persona = "Keeps the light."
    creator.gate.set()
    await _until(lambda: state.save_status == "saved" and store.calls)
    assert len(creator.inserted) == 1 and creator.inserted[0]["name"] == "Iris"
    assert store.calls == [({"name": "Iris Vale", "persona": "Keeps the light."}, 1)]
    assert state.character_id == "new-1" and not state.dirty


async def test_flush_of_a_named_new_character_creates_it(store: FakeStore) -> None:
    state = CharacterState({})
    saver = AutoSaver(state, store.save, delay=60, follow_edits=False)
    creator = FakeCreator(state, store)
    saver.create = creator.create
    creator.gate.set()
    state.name = "Closing the tab"
    await saver.flush()
    assert creator.inserted and state.character_id == "new-1" and state.save_status == "saved"


async def test_a_refused_save_names_the_field_and_the_next_good_one_clears_it(store: FakeStore) -> None:
    async def refusing(changes: dict[str, Any], version: int) -> tuple[dict[str, Any], int]:
        if not changes.get("name", "x"):  # core's rule, as update_character applies it
            raise ValidationError({"name": "Name is required"})
        return await store.save(changes, version)

    state = CharacterState(store.values, character_id="c1", version=store.version)
    AutoSaver(state, refusing, delay=0.05)
    state.name = ""
    await _until(lambda: state.save_status == "error")
    assert state.field_errors == {"name": "Name is required"} and store.values["name"] == "Mira"
    state.name = "Mira II"
    await _until(lambda: state.save_status == "saved")
    assert state.field_errors == {} and store.values["name"] == "Mira II"


async def test_a_held_saver_waits_until_released_but_flush_still_saves(store: FakeStore) -> None:
    """While leave-confirm asks about the edits, the auto-save does not answer for the person."""
    state, saver = _open(store, delay=0.05)
    saver.hold()
    state.name = "Asked about"
    await asyncio.sleep(0.2)  # four waits' worth: a save would have happened by now
    assert store.calls == [] and state.save_status == "unsaved"
    saver.release()
    await _until(lambda: state.save_status == "saved")
    assert store.values["name"] == "Asked about"
    saver.hold()
    state.name = "Tab closed while asked"
    await saver.flush()
    assert store.values["name"] == "Tab closed while asked"
