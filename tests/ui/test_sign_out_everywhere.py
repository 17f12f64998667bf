"""Signing out ends every open tab of that browser (issue 13, point 12): before, a studio tab open
during sign-out kept saving. Each sign-in is a new server-side session whose token lives only in an
HttpOnly cookie."""

from __future__ import annotations

import pytest
from nicegui.testing import User
from sqlmodel import select

from core import auth, characters
from core.context import Context
from core.models import Character, UserSession
from core.models import User as User_
from core.sessions import end_session, end_user_sessions, session_user
from tests.support.pages import PASSWORD, SLOW, sign_in_through_form
from tests.support.served_app import running_studio
from tests.support.studio_pages import open_studio

pytestmark = pytest.mark.usefixtures("password_auth")
ADMIN = "admin@example.com"
DESCRIPTION = "A wandering cartographer who maps places that do not exist yet, kind but restless and curious."


def _sessions() -> list[UserSession]:
    with running_studio().ctx.db.read() as session:
        return list(session.exec(select(UserSession)))


async def test_each_sign_in_rotates_the_session_and_sign_out_ends_it(user: User) -> None:
    auth.create_user(running_studio().ctx.db, ADMIN, PASSWORD)
    await sign_in_through_form(user, ADMIN, PASSWORD)
    await user.should_see("Your characters", retries=SLOW)
    [first] = _sessions()
    cookie = user.http_client.cookies.get("studio_session")
    assert cookie and first.token_hash not in cookie  # the browser holds the token, the row only its digest
    await user.open("/logout")
    await user.should_see("Sign in")
    assert _sessions() == [] and user.http_client.cookies.get("studio_session") is None
    assert session_user(running_studio().ctx.db, cookie) is None  # the old token, if someone kept it, opens nothing
    await sign_in_through_form(user, ADMIN, PASSWORD)
    await user.should_see("Your characters", retries=SLOW)
    [second] = _sessions()  # a new session: a token known before sign-in is worth nothing after it
    assert second.id != first.id and user.http_client.cookies.get("studio_session") not in (None, cookie)


async def _signed_in_studio_tab(user: User) -> tuple[Context, User_, Character]:
    """An account, a character of it, and this browser signed in with its studio open."""
    ctx = running_studio().ctx
    owner = auth.create_user(ctx.db, ADMIN, PASSWORD)
    character = characters.create_character(ctx, owner, {"name": "Mira", "description": DESCRIPTION})
    await sign_in_through_form(user, ADMIN, PASSWORD)
    await user.should_see("Your characters", retries=SLOW)
    await open_studio(user, f"/studio/{character.id}")
    return ctx, owner, character


async def test_an_open_studio_tab_stops_saving_and_goes_to_sign_in(user: User) -> None:
    ctx, owner, character = await _signed_in_studio_tab(user)
    token = user.http_client.cookies.get("studio_session")
    end_session(ctx.db, ctx.events, token)  # what /logout in this browser's other tab does
    await user.should_see("Sign in", retries=SLOW)
    assert characters.get_character(ctx, owner, character.id).name == "Mira"


async def test_a_save_after_sign_out_elsewhere_is_refused(user: User) -> None:
    """The news can miss a tab (another process, an outage): the save itself checks the session."""
    ctx, owner, character = await _signed_in_studio_tab(user)
    with ctx.db.write() as session:  # the row goes without the event, as in another process
        for row in session.exec(select(UserSession)):
            session.delete(row)
    user.find(marker="character-name").type(" Vale")
    await user.should_see("Sign in", retries=SLOW)
    assert characters.get_character(ctx, owner, character.id).name == "Mira"


async def test_a_draft_after_sign_out_elsewhere_is_not_created(user: User) -> None:
    """A new character's first save (its draft) checks the session like any save (issue 14.1)."""
    ctx = running_studio().ctx
    owner = auth.create_user(ctx.db, ADMIN, PASSWORD)
    await sign_in_through_form(user, ADMIN, PASSWORD)
    await open_studio(user, "/studio")
    with ctx.db.write() as session:  # signed out in another process: no event reaches this tab
        for row in session.exec(select(UserSession)):
            session.delete(row)
    user.find(marker="character-name").type("Too late")
    await user.should_see("Sign in", retries=SLOW)
    assert characters.list_characters(ctx, owner) == []


@pytest.mark.parametrize("path", ["/", "/account"])
async def test_every_page_goes_to_sign_in_when_the_account_is_disabled(user: User, path: str) -> None:
    """Not only the studio: the home and account pages leave at once too (issue 15.4, "at once")."""
    ctx = running_studio().ctx
    owner = auth.create_user(ctx.db, ADMIN, PASSWORD)
    await sign_in_through_form(user, ADMIN, PASSWORD)
    await user.should_see("Your characters", retries=SLOW)
    await user.open(path)
    await user.should_not_see("Sign in")
    end_user_sessions(ctx.db, ctx.events, owner.id, "An admin disabled this account")  # what disabling does
    await user.should_see("An admin disabled this account", retries=SLOW)
    await user.should_see("Sign in", retries=SLOW)
