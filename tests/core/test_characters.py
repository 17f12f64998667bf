"""Characters: validation rules, optimistic versions, listing, duplicate, delete with files."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import select

from core import characters
from core.character_rules import validate_changes
from core.context import Context
from core.errors import Conflict, ValidationError
from core.events import Event
from core.models import Character, CharacterPortrait, CharacterScene
from core.portraits import add_portrait
from core.scenes import create_scene, list_scenes
from storage.base import REFERENCE_IMAGES, USER_LIBRARY
from tests.support.factories import DESCRIPTION, make_character, make_user


def _count(ctx: Context, model: type) -> int:
    with ctx.db.read() as session:
        return len(session.exec(select(model)).all())


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name": ""}, "name", "Name is required"),
    ({"name": "   "}, "name", "Name is required"),
    ({"name": "x" * 51}, "name", "at most 50 characters"),
    ({"gender": "robot"}, "gender", "must be one of"),
    ({"content_rating": "pg13"}, "content_rating", "must be one of"),
    ({"voice_tone": "shouty"}, "voice_tone", "must be one of"),
    ({"mood": "grumpy"}, "mood", "must be one of"),
    ({"role": "narrator"}, "role", "must be one of"),
    ({"is_public": "yes"}, "is_public", "true or false"),
    ({"appearance_tags": ["x" * 41]}, "appearance_tags", "longer than 40"),
    ({"appearance_tags": [f"tag {i}" for i in range(25)]}, "appearance_tags", "At most 24 tags"),
    ({"clothing_tags": "red dress"}, "clothing_tags", "list of strings"),
    ({"alternate_greetings": ["hi"] * 21}, "alternate_greetings", "at most 20 entries"),
    ({"forbidden_phrases": ["x" * 201]}, "forbidden_phrases", "at most 200 characters"),
    ({"persona": "x" * 20_001}, "persona", "at most 20000"),
    ({"default_presets": {"lighting": "noir"}}, "default_presets", "Unknown preset keys"),
    ({"owner": "me"}, "owner", "not an editable field"),
])
async def test_each_rule_gives_a_clear_error_and_stores_nothing(
        ctx: Context, data: dict, field: str, message: str) -> None:
    user = make_user(ctx.db)
    with pytest.raises(ValidationError) as info:
        characters.create_character(ctx, user, {"name": "Mira", "description": DESCRIPTION, **data})
    assert message in info.value.errors[field]
    assert _count(ctx, Character) == 0


@pytest.mark.parametrize(("description", "ok"), [("x" * 49, False), ("x" * 50, True), ("x" * 500, True),
                                                  ("x" * 2_000, True), ("x" * 20_000, True),
                                                  ("x" * 20_001, False), ("", False)])
async def test_create_form_requires_50_characters_and_the_common_maximum(
        ctx: Context, description: str, ok: bool) -> None:
    user = make_user(ctx.db)
    data = {"name": "Mira", "description": description}
    if ok:
        assert characters.create_character(ctx, user, data, strict_description=True).description == description
    else:
        with pytest.raises(ValidationError) as info:
            characters.create_character(ctx, user, data, strict_description=True)
        assert "Description must be" in info.value.errors["description"]


@pytest.mark.parametrize(("length", "ok"), [(2_000, True), (20_000, True), (20_001, False)])
async def test_the_studio_the_form_and_updates_share_one_description_maximum(
        ctx: Context, length: int, ok: bool) -> None:
    """A description one page saves is never refused by another (issue 14.4): only the form's minimum differs."""
    user = make_user(ctx.db)
    text = "x" * length
    verdicts = []
    for strict in (False, True):
        try:
            validate_changes({"name": "Mira", "description": text}, strict_description=strict, creating=True)
            verdicts.append(True)
        except ValidationError as exc:
            assert exc.errors["description"] == f"Description must be at most 20,000 characters (got {length:,})"
            verdicts.append(False)
    draft = characters.create_character(ctx, user, {"name": "Draft"})
    try:
        characters.update_character(ctx, user, draft.id, {"description": text}, version=draft.version)
        verdicts.append(True)
    except ValidationError:
        verdicts.append(False)
    assert verdicts == [ok, ok, ok]


async def test_a_draft_needs_only_a_name(ctx: Context) -> None:
    """The studio creates a draft as soon as it has a name: private, every other field may be blank."""
    user = make_user(ctx.db)
    draft = characters.create_character(ctx, user, {"name": " Iris ", "description": "", "persona": ""})
    assert (draft.name, draft.description, draft.is_public) == ("Iris", "", False)
    with pytest.raises(ValidationError) as info:
        characters.create_character(ctx, user, {"name": "   ", "description": "A whole description."})
    assert info.value.errors == {"name": "Name is required"}
    assert _count(ctx, Character) == 1


async def test_tags_are_trimmed_and_deduplicated_case_insensitively(ctx: Context) -> None:
    user = make_user(ctx.db)
    character = make_character(ctx, user, appearance_tags=["  Red hair ", "red   hair", "", "Green eyes", "RED HAIR"])
    assert character.appearance_tags == ["Red hair", "Green eyes"]


async def test_update_bumps_version_and_a_stale_version_conflicts_with_the_current_row(ctx: Context) -> None:
    user = make_user(ctx.db)
    character = make_character(ctx, user)
    saved = characters.update_character(ctx, user, character.id, {"name": "Mira II"}, version=1)
    assert saved.version == 2
    with pytest.raises(Conflict) as info:
        characters.update_character(ctx, user, character.id, {"name": "Other"}, version=1)
    assert info.value.current.name == "Mira II" and info.value.current.version == 2
    assert characters.get_character(ctx, user, character.id).name == "Mira II"


async def test_two_concurrent_saves_with_one_version_one_wins_one_conflicts(ctx: Context) -> None:
    user = make_user(ctx.db)
    character = make_character(ctx, user)
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def save(name: str) -> None:
        barrier.wait()
        try:
            results[name] = characters.update_character(ctx, user, character.id, {"persona": name}, version=1)
        except Conflict as exc:
            results[name] = exc

    threads = [threading.Thread(target=save, args=(n,)) for n in ("left", "right")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [n for n, r in results.items() if isinstance(r, Character)]
    losers = [n for n, r in results.items() if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1
    stored = characters.get_character(ctx, user, character.id)
    assert stored.persona == winners[0] and stored.version == 2


async def test_update_publishes_character_updated_with_the_source(ctx: Context) -> None:
    import asyncio
    user = make_user(ctx.db)
    character = make_character(ctx, user)
    received: asyncio.Future[Event] = asyncio.get_running_loop().create_future()
    ctx.events.subscribe(character.id, lambda e: received.done() or received.set_result(e))
    characters.update_character(ctx, user, character.id, {"mood": "flirty"}, 1,
                                source="tab-1")
    event = await asyncio.wait_for(received, 1)
    assert event.data == {"version": 2, "changes": {"mood": "flirty"}, "source": "tab-1"}


async def test_list_searches_by_name_and_sorts(ctx: Context) -> None:
    user, other = make_user(ctx.db), make_user(ctx.db)
    for name in ("Zara", "alba", "Albert", "Bo_b"):
        make_character(ctx, user, name=name)
    make_character(ctx, other, name="Alberta", is_public=True)
    by_name = [c.name for c in characters.list_characters(ctx, user, sort="name")]
    assert by_name in (["alba", "Albert", "Bo_b", "Zara"], ["Albert", "Bo_b", "Zara", "alba"])  # collation
    assert sorted(c.name for c in characters.list_characters(ctx, user, search="alb")) == ["Albert", "alba"]
    assert [c.name for c in characters.list_characters(ctx, user, search="o_b")] == ["Bo_b"]
    assert [c.name for c in characters.list_characters(ctx, user, search="%")] == []
    assert characters.list_characters(ctx, user, sort="created")[0].name == "Bo_b"
    with pytest.raises(ValidationError):
        characters.list_characters(ctx, user, sort="bogus")  # type: ignore[arg-type]


async def test_publish_makes_a_character_public(ctx: Context) -> None:
    user = make_user(ctx.db)
    character = make_character(ctx, user)
    assert characters.publish_character(ctx, user, character.id).is_public
    assert not characters.publish_character(ctx, user, character.id, False).is_public


async def test_duplicate_copies_fields_and_scenes_but_not_portraits(ctx: Context) -> None:
    user = make_user(ctx.db)
    source = make_character(ctx, user, name="N" * 50, appearance_tags=["tall"], is_public=True)
    with ctx.db.write() as session:
        row = session.get(Character, source.id)
        row.card_data = {"creator": "someone", "character_book": {"entries": [{"keys": ["x"]}]}}  # type: ignore[union-attr]
        session.add(row)
    create_scene(ctx, user, source.id, {"scene_name": "Harbor", "scene_starters": ["Ahoy"]})
    add_portrait(ctx, user, source.id, image_url="/x.png")
    copy = characters.duplicate_character(ctx, user, source.id)
    assert copy.id != source.id and copy.name == "N" * 43 + " (copy)" and len(copy.name) == 50
    assert copy.appearance_tags == ["tall"] and not copy.is_public and copy.image_url is None
    assert [s.scene_starters for s in list_scenes(ctx, user, copy.id)] == [["Ahoy"]]
    assert copy.card_data["creator"] == "someone"  # a copy of an imported card keeps its lorebook


async def test_delete_cascades_portraits_scenes_and_stored_files(ctx: Context) -> None:
    user = make_user(ctx.db)
    character = make_character(ctx, user)
    keep = make_character(ctx, user, name="Keep")
    key = f"{user.id}/portraits/{character.id}/job.png"
    ctx.storage.put(USER_LIBRARY, key, b"png", "image/png")
    ctx.storage.put(REFERENCE_IMAGES, f"{user.id}/{character.id}/ref.png", b"ref", "image/png")
    ctx.storage.put(USER_LIBRARY, f"{user.id}/portraits/{keep.id}/other.png", b"png", "image/png")
    add_portrait(ctx, user, character.id, image_url="/a.png", generation_metadata={"storage_path": key})
    create_scene(ctx, user, character.id, {"scene_name": "Harbor"})
    characters.delete_character(ctx, user, character.id)
    with ctx.db.read() as session:
        assert session.exec(select(CharacterPortrait)).all() == []
        assert session.exec(select(CharacterScene)).all() == []
    assert not ctx.storage.exists(USER_LIBRARY, key)
    assert not ctx.storage.exists(REFERENCE_IMAGES, f"{user.id}/{character.id}/ref.png")
    assert ctx.storage.exists(USER_LIBRARY, f"{user.id}/portraits/{keep.id}/other.png")
