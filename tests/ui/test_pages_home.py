"""The home page: own characters as cards, search, sort, duplicate and delete (with confirmation)."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from core import characters
from tests.support.pages import SLOW, account, character_of, eventually, local_account, sign_in_through_form
from tests.support.served_app import running_studio


def _names() -> list[str]:
    ctx = running_studio().ctx
    return sorted(c.name for c in characters.list_characters(ctx, local_account()))


async def test_lists_own_characters_with_placeholder_and_actions(user: User) -> None:
    me = local_account()
    mine = character_of(me, name="Mira")
    character_of(account("other@example.com"), name="Theirs", is_public=True)
    await user.open("/")
    await user.should_see("Your characters")
    await user.should_see("Mira")
    await user.should_not_see("Theirs")  # public or not, the home page lists only one's own
    with user.scope(marker=f"card-{mine.id}"):
        await user.should_see(marker="card-placeholder")
        for marker in ("card-open", "card-edit", "card-preview", "card-duplicate", "card-delete"):
            await user.should_see(marker=marker)
    for label in ("New companion", "New persona", "Quick create"):
        await user.should_see(label)


async def test_empty_list_says_so(user: User) -> None:
    await user.open("/")
    await user.should_see("No characters yet: create one")


async def test_search_filters_by_name(user: User) -> None:
    me = local_account()
    character_of(me, name="Mira Vale")
    character_of(me, name="Orrin")
    await user.open("/")
    await user.should_see("Orrin")
    user.find(marker="search").type("mir")
    await user.should_not_see("Orrin", retries=SLOW)
    await user.should_see("Mira Vale")
    user.find(marker="search").clear().type("nobody")
    await user.should_see("No characters match “nobody”", retries=SLOW)


async def test_sort_by_name(user: User) -> None:
    me = local_account()
    character_of(me, name="Abel")
    character_of(me, name="Zora")  # updated last, so first by default
    await user.open("/")
    await user.should_see("Abel")
    assert _card_names(user) == ["Zora", "Abel"]
    user.find(marker="sort").click()
    user.find("Name").click()
    await eventually(lambda: _card_names(user) == ["Abel", "Zora"])  # the list reloads off the event loop


def _card_names(user: User) -> list[str]:
    """Card names in page order (elements are numbered in creation order)."""
    return [e.text for e in sorted(user.find(marker="card-name").elements, key=lambda e: e.id)]  # type: ignore[attr-defined]


async def test_duplicate_adds_a_private_copy(user: User) -> None:
    mine = character_of(local_account(), name="Mira", is_public=True)
    await user.open("/")
    with user.scope(marker=f"card-{mine.id}"):
        user.find(marker="card-duplicate").click()
    await user.should_see("Mira (copy)", retries=SLOW)
    assert _names() == ["Mira", "Mira (copy)"]


async def test_delete_asks_first_and_cancel_keeps_it(user: User) -> None:
    mine = character_of(local_account(), name="Mira")
    await user.open("/")
    with user.scope(marker=f"card-{mine.id}"):
        user.find(marker="card-delete").click()
    await user.should_see("Delete “Mira” with all its portraits and scenes? This cannot be undone.")
    user.find(marker="confirm-cancel").click()
    await user.should_not_see(marker="confirm-ok")
    assert _names() == ["Mira"]

    with user.scope(marker=f"card-{mine.id}"):
        user.find(marker="card-delete").click()
    await user.should_see(marker="confirm-ok")
    user.find(marker="confirm-ok").click()
    await user.should_see("No characters yet: create one", retries=SLOW)
    assert _names() == []


async def test_single_user_mode_has_no_login_and_no_sign_out(user: User) -> None:
    await user.open("/login")
    await user.should_see("Your characters")
    await user.should_not_see(marker="sign-out")


@pytest.mark.usefixtures("password_auth")
async def test_signed_in_person_sees_only_their_characters(user: User) -> None:
    first, second = account("first@example.com"), account("second@example.com")
    character_of(first, name="First's")
    character_of(second, name="Second's")
    await sign_in_through_form(user, "second@example.com")
    await user.should_see("Second's")
    await user.should_not_see("First's")
    await user.should_see(marker="sign-out")
