"""Suggest proposes, it never overwrites (issue 14.2), in the User harness.

A suggestion shows beside its field with Accept, Refuse and Try again; the field (and the stored row)
keeps the person's text until Accept. "Suggest all" is a review of every field it would change. An
accepted suggestion and an applied template are undone from their notification's Undo action.
Stored rows are read through core, as another tab would see them.
"""

from __future__ import annotations

from typing import Any

from nicegui.testing import User

from core import characters
from core.suggest.tags import near_duplicate
from tests.support.factories import DESCRIPTION
from tests.support.studio_pages import chips, field_value, open_studio, own_character, texts
from tests.support.waiting import eventually
from tests.ui.test_async_boundary import statements_on_the_loop

OWN_FIRST_MESSAGE = "*Mira slides a cup across the counter.* \"You look like a cinnamon person. Am I right?\""






def _in_row(user: User, field: str, marker: str) -> str:
    """The text marked ``marker`` in the review's row for ``field``."""
    (row,) = user.find(marker=f"review-{field}").elements
    (label,) = [e for e in row.descendants() if marker in e._markers]  # noqa: SLF001 - the marks are the test's handle
    return label.text  # type: ignore[attr-defined]


async def _proposed(user: User) -> str:
    await user.should_see(marker="suggest-proposal")
    (text,) = texts(user, "suggest-proposal-value")
    return text


async def _open_personality(user: User) -> None:
    (section,) = user.find(marker="section-personality").elements
    section.set_value(True)  # type: ignore[attr-defined]
    await user.should_see(marker="persona")


async def test_the_field_keeps_its_text_until_accept_and_nothing_is_saved_before(user: User) -> None:
    ctx, owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="suggest-description").click()
    proposed = await _proposed(user)
    assert proposed and proposed != DESCRIPTION
    assert field_value(user, "character-description") == DESCRIPTION
    await user.should_see("Saved", marker="save-status")
    # an edit elsewhere is saved; the description it carries along is still the person's own
    user.find(marker="character-name").type(" Vale")  # appends
    await eventually(lambda: characters.get_character(ctx, owner, character.id).name == "Mira Vale",
                     what="the name to auto-save")
    assert characters.get_character(ctx, owner, character.id).description == DESCRIPTION

    user.find(marker="suggest-accept").click()
    assert field_value(user, "character-description") == proposed
    await user.should_not_see(marker="suggest-proposal")
    await eventually(lambda: characters.get_character(ctx, owner, character.id).description == proposed,
                     what="the accepted suggestion to auto-save")


async def test_refuse_keeps_the_text_and_try_again_replaces_the_proposal(user: User) -> None:
    ctx, owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="suggest-description").click()
    first = await _proposed(user)
    user.find(marker="suggest-retry").click()
    await eventually(lambda: texts(user, "suggest-proposal-value") not in ([], [first]), what="another proposal")
    (second,) = texts(user, "suggest-proposal-value")
    assert second != first and field_value(user, "character-description") == DESCRIPTION
    user.find(marker="suggest-refuse").click()
    await user.should_not_see(marker="suggest-proposal")
    assert field_value(user, "character-description") == DESCRIPTION
    assert characters.get_character(ctx, owner, character.id).description == DESCRIPTION


async def test_a_hand_written_first_message_stays_until_accept(user: User) -> None:
    ctx, owner, character = own_character(first_message=OWN_FIRST_MESSAGE)
    await open_studio(user, f"/studio/{character.id}")
    await _open_personality(user)
    user.find(marker="suggest-first-message").click()
    proposed = await _proposed(user)
    assert field_value(user, "first-message") == OWN_FIRST_MESSAGE and proposed != OWN_FIRST_MESSAGE
    user.find(marker="suggest-refuse").click()
    await user.should_not_see(marker="suggest-proposal")
    assert field_value(user, "first-message") == OWN_FIRST_MESSAGE
    assert characters.get_character(ctx, owner, character.id).first_message == OWN_FIRST_MESSAGE


async def test_a_suggestion_that_changes_nothing_is_a_note(user: User) -> None:
    own = "bookish, sarcastic, loyal, stubborn, kind"
    _ctx, _owner, character = own_character(traits=own)
    await open_studio(user, f"/studio/{character.id}")
    await _open_personality(user)
    user.find(marker="suggest-traits").click()
    await user.should_see(marker="suggest-note")
    await user.should_see("Nothing to change")
    await user.should_not_see(marker="suggest-proposal")
    user.find(marker="suggest-dismiss").click()
    await user.should_not_see(marker="suggest-note")
    assert field_value(user, "traits") == own


async def test_suggested_tags_are_proposed_and_merged_on_accept(user: User) -> None:
    ctx, owner, character = own_character(appearance_tags=["messy chestnut hair"], clothing_tags=["round glasses"])
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="suggest-appearance").click()
    await user.should_see(marker="suggest-proposal")
    added = [t.removeprefix("+ ") for t in texts(user, "suggest-proposal-tag")]
    assert added and not any(near_duplicate(t, ["messy chestnut hair", "round glasses"]) for t in added)
    assert chips(user, "appearance-tags") == ["messy chestnut hair"]  # nothing added before Accept
    user.find(marker="suggest-accept").click()
    await eventually(lambda: len(chips(user, "appearance-tags") + chips(user, "clothing-tags")) == 2 + len(added),
                     what="the merged tags")
    assert chips(user, "appearance-tags")[0] == "messy chestnut hair"
    assert chips(user, "clothing-tags")[0] == "round glasses"
    await eventually(lambda: characters.get_character(ctx, owner, character.id).appearance_tags
                     == chips(user, "appearance-tags"), what="the merged tags to auto-save")


async def test_suggest_all_reviews_every_field_accepting_one_and_refusing_another(user: User) -> None:
    ctx, owner, character = own_character(first_message=OWN_FIRST_MESSAGE, persona="Mira is mine to write.")
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="suggest-all").click()
    await user.should_see(marker="suggest-review")
    for field in ("description", "persona", "first_message", "appearance_tags", "clothing_tags", "traits"):
        await user.should_see(marker=f"review-{field}")
    assert _in_row(user, "description", "review-current") == DESCRIPTION  # what is there now, beside
    proposed = _in_row(user, "description", "review-proposed")  # what would replace it
    assert proposed != DESCRIPTION
    assert field_value(user, "character-description") == DESCRIPTION  # opening the review changed nothing
    with user.scope(marker="review-description"):
        user.find(marker="review-accept").click()
    assert field_value(user, "character-description") == proposed
    with user.scope(marker="review-persona"):
        user.find(marker="review-refuse").click()
    await user.should_see(marker="review-refused")
    user.find(marker="review-refuse-all").click()
    await user.should_not_see(marker="suggest-review")
    await _open_personality(user)
    assert field_value(user, "persona") == "Mira is mine to write."
    assert field_value(user, "first-message") == OWN_FIRST_MESSAGE
    stored = await _stored_after_save(ctx, owner, character.id, lambda row: row.description != DESCRIPTION)
    assert stored.persona == "Mira is mine to write." and stored.first_message == OWN_FIRST_MESSAGE
    assert stored.description == proposed
    await user.should_see("1 suggestion accepted")


async def _stored_after_save(ctx: Any, owner: Any, character_id: str, condition: Any) -> Any:
    await eventually(lambda: condition(characters.get_character(ctx, owner, character_id)), what="the save")
    return characters.get_character(ctx, owner, character_id)


async def test_undo_takes_back_an_accepted_suggestion(user: User) -> None:
    ctx, owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="suggest-description").click()
    proposed = await _proposed(user)
    user.find(marker="suggest-accept").click()
    await user.should_see("Suggested description accepted")
    await eventually(lambda: characters.get_character(ctx, owner, character.id).description == proposed,
                     what="the accepted suggestion to auto-save")
    user.find(marker="undo-notice").trigger("undo")
    assert field_value(user, "character-description") == DESCRIPTION
    await eventually(lambda: characters.get_character(ctx, owner, character.id).description == DESCRIPTION,
                     what="the undo to auto-save")


async def test_undo_leaves_a_field_edited_since_and_says_so(user: User) -> None:
    _ctx, _owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="suggest-description").click()
    await _proposed(user)
    user.find(marker="suggest-accept").click()
    user.find(marker="character-description").clear().type("My own words again, written after accepting it.")
    user.find(marker="undo-notice").trigger("undo")
    await user.should_see("Cannot undo: Description (edited since)")
    assert field_value(user, "character-description") == "My own words again, written after accepting it."


async def test_undo_restores_exactly_the_fields_a_template_changed(user: User) -> None:
    await open_studio(user, "/studio")  # templates are offered while the character is new
    user.find(marker="character-description").type(DESCRIPTION)
    user.find(marker="appearance-tags-input").type("freckles").trigger("keydown.enter")
    user.find(marker="start-from-template").click()
    await user.should_see(marker="template-button")
    user.find(marker="template-cozy-barista").click()
    await user.should_see("Template “Cozy Barista” applied")
    assert field_value(user, "character-description") != DESCRIPTION
    assert "freckles" not in chips(user, "appearance-tags")
    user.find(marker="character-name").type("Juno")  # not a template field: Undo leaves it
    user.find(marker="undo-notice").trigger("undo")
    await user.should_see("Undone")
    assert field_value(user, "character-description") == DESCRIPTION
    assert chips(user, "appearance-tags") == ["freckles"]
    assert field_value(user, "character-name") == "Juno"
    await _open_personality(user)
    assert field_value(user, "persona") == "" and field_value(user, "first-message") == ""


async def test_suggesting_reads_nothing_on_the_event_loop(user: User) -> None:
    _ctx, _owner, character = own_character()
    await open_studio(user, f"/studio/{character.id}")
    with statements_on_the_loop() as on_loop:
        user.find(marker="suggest-description").click()
        await _proposed(user)
        user.find(marker="suggest-retry").click()
        await eventually(lambda: len(texts(user, "suggest-proposal-value")) == 1, what="the second proposal")
        user.find(marker="suggest-all").click()
        await user.should_see(marker="suggest-review")
    assert on_loop == []


async def test_accept_all_then_one_undo_restores_every_field(user: User) -> None:
    ctx, owner, character = own_character(first_message=OWN_FIRST_MESSAGE, appearance_tags=["freckles"])
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="suggest-all").click()
    await user.should_see(marker="suggest-review")
    rows = len(user.find(marker="review-row").elements)
    user.find(marker="review-accept-all").click()
    await user.should_not_see(marker="suggest-review")
    await user.should_see(f"{rows} suggestions accepted")
    assert field_value(user, "character-description") != DESCRIPTION
    assert chips(user, "appearance-tags")[0] == "freckles" and len(chips(user, "appearance-tags")) > 1
    await eventually(lambda: characters.get_character(ctx, owner, character.id).first_message != OWN_FIRST_MESSAGE,
                     what="the accepted suggestions to auto-save")
    user.find(marker="undo-notice").trigger("undo")
    assert field_value(user, "character-description") == DESCRIPTION and chips(user, "appearance-tags") == ["freckles"]
    await eventually(lambda: (row := characters.get_character(ctx, owner, character.id)).description == DESCRIPTION
                     and row.first_message == OWN_FIRST_MESSAGE and row.appearance_tags == ["freckles"]
                     and not row.persona, what="the undo to auto-save")
