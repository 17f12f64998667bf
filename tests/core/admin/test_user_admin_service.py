"""Users for admins (issue 15.4): a disabled account's sessions and tokens stop at once, a reset asks
for a new password, the last active admin stays, and the admin rule on every call."""

from __future__ import annotations

import pytest

from core import auth, sessions
from core.admin import users
from core.context import Context
from core.errors import AuthError, Forbidden, NotFound, ValidationError
from core.events import Event, EventType
from core.models import User
from tests.support.admin import make_admin
from tests.support.factories import make_user
from tests.support.waiting import eventually

PASSWORD = "correct horse"


async def test_an_admin_creates_users_and_bad_input_names_its_field(ctx: Context) -> None:
    admin = make_admin(ctx.db)
    made = users.create_user(ctx, admin, {"email": " New@Example.com ", "password": "a long password",
                                          "is_admin": False})
    assert (made.email, made.is_admin, made.disabled, made.must_change_password) == \
        ("new@example.com", False, False, False)
    assert auth.authenticate(ctx.db, "new@example.com", "a long password").id == made.id
    assert [u.email for u in users.list_users(ctx, admin)] == ["admin@example.com", "new@example.com"]
    with pytest.raises(ValidationError) as short:
        users.create_user(ctx, admin, {"email": "b@example.com", "password": "short"})
    assert "password" in short.value.errors
    with pytest.raises(ValidationError) as taken:
        users.create_user(ctx, admin, {"email": "new@example.com", "password": "a long password"})
    assert "email" in taken.value.errors
    with pytest.raises(ValidationError) as unknown:
        users.update_user(ctx, admin, made.id, {"password_hash": "x"})
    assert "password_hash" in unknown.value.errors


async def test_disabling_stops_the_session_and_token_at_once_and_tells_the_open_tabs(ctx: Context) -> None:
    admin = make_admin(ctx.db)
    person = make_user(ctx.db, "person@example.com", PASSWORD)
    session_token = sessions.start_session(ctx.db, person)
    _, api_token = auth.create_token(ctx.db, person)
    heard: list[Event] = []
    ctx.events.subscribe(sessions.session_key(session_token), heard.append)
    assert sessions.session_user(ctx.db, session_token) is not None

    users.update_user(ctx, admin, person.id, {"disabled": True})

    assert sessions.session_user(ctx.db, session_token) is None
    with pytest.raises(AuthError):
        auth.user_for_token(ctx.db, api_token)
    with pytest.raises(AuthError, match="disabled"):
        auth.authenticate(ctx.db, "person@example.com", PASSWORD)
    await eventually(lambda: bool(heard), what="the session.ended event")
    assert [(e.type, e.data["message"]) for e in heard] == [(EventType.SESSION_ENDED, users.DISABLED_MESSAGE)]

    users.update_user(ctx, admin, person.id, {"disabled": False})
    assert auth.user_for_token(ctx.db, api_token).id == person.id  # the token works again
    assert sessions.session_user(ctx.db, session_token) is None  # the ended session stays ended
    assert auth.authenticate(ctx.db, "person@example.com", PASSWORD).id == person.id


async def test_a_disabled_row_refuses_the_session_even_without_the_event(ctx: Context) -> None:
    """Another process may have disabled the account: the check itself reads the flag."""
    person = make_user(ctx.db, "person@example.com", PASSWORD)
    token = sessions.start_session(ctx.db, person)
    with ctx.db.write() as session:
        row = session.get(User, person.id)
        assert row is not None
        row.disabled = True
        session.add(row)
    assert sessions.session_user(ctx.db, token) is None


async def test_a_reset_sets_a_temporary_password_ends_the_sessions_and_asks_for_a_new_one(ctx: Context) -> None:
    admin = make_admin(ctx.db)
    person = make_user(ctx.db, "person@example.com", PASSWORD)
    token = sessions.start_session(ctx.db, person)
    temporary = users.reset_password(ctx, admin, person.id)
    assert len(temporary) >= auth.MIN_PASSWORD
    assert sessions.session_user(ctx.db, token) is None
    with pytest.raises(AuthError):
        auth.authenticate(ctx.db, "person@example.com", PASSWORD)
    signed_in = auth.authenticate(ctx.db, "person@example.com", temporary)
    assert signed_in.must_change_password
    chosen = users.reset_password(ctx, admin, person.id, "chosen by the admin")
    assert chosen == "chosen by the admin" and auth.authenticate(ctx.db, person.email, chosen).must_change_password


async def test_sign_in_is_recorded(ctx: Context) -> None:
    admin = make_admin(ctx.db)
    person = make_user(ctx.db, "person@example.com")
    assert users.get_user(ctx, admin, person.id).last_sign_in_at is None
    sessions.start_session(ctx.db, person)
    assert users.get_user(ctx, admin, person.id).last_sign_in_at is not None


async def test_the_last_active_admin_cannot_be_demoted_or_disabled(ctx: Context) -> None:
    admin = make_admin(ctx.db)
    other = make_user(ctx.db, "other@example.com")
    for change in ({"is_admin": False}, {"disabled": True}):
        with pytest.raises(ValidationError, match="admin@example.com is the last active admin"):
            users.update_user(ctx, admin, admin.id, change)
    assert users.get_user(ctx, admin, admin.id).is_admin
    users.update_user(ctx, admin, other.id, {"is_admin": True, "disabled": True})  # a disabled admin does not count
    with pytest.raises(ValidationError, match="last active admin"):
        users.update_user(ctx, admin, admin.id, {"is_admin": False})
    users.update_user(ctx, admin, other.id, {"disabled": False})
    demoted = users.update_user(ctx, admin, admin.id, {"is_admin": False})  # another active admin exists now
    assert not demoted.is_admin


async def test_only_admins_may_and_unknown_ids_are_not_found(ctx: Context) -> None:
    make_admin(ctx.db)
    person = make_user(ctx.db, "person@example.com")
    with pytest.raises(Forbidden):
        users.list_users(ctx, person)
    with pytest.raises(Forbidden):
        users.update_user(ctx, person, person.id, {"is_admin": True})
    with pytest.raises(Forbidden):
        users.create_user(ctx, person, {"email": "x@example.com", "password": "a long password"})
    admin = make_admin(ctx.db, "boss@example.com")
    with pytest.raises(NotFound):
        users.update_user(ctx, admin, "no-such-id", {"disabled": True})
