"""Invite links (single use, expiring: a clock passed in, no sleeping), open sign-up off by default,
and what every person changes on their own account (issue 15.4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core import account, auth
from core.admin import invites
from core.config import Settings
from core.context import Context
from core.errors import Forbidden, ValidationError
from core.models import Invite
from tests.support.admin import make_admin
from tests.support.factories import make_user

START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse"


class Clock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


async def test_an_invite_makes_one_account_and_then_stops_working(ctx: Context) -> None:
    admin, clock = make_admin(ctx.db), Clock()
    invite, plain = invites.create_invite(ctx, admin, clock=clock)
    assert invite.token_hash not in plain and plain.startswith(invites.INVITE_PREFIX)  # the link holds the token
    assert invites.invite_path(plain) == f"/invite/{plain}"
    assert invites.open_invite(ctx.db, plain, clock=clock) is not None
    user = invites.accept_invite(ctx.db, plain, "Guest@Example.com", "a long password", "Guest", clock=clock)
    assert (user.email, user.display_name, user.is_admin) == ("guest@example.com", "Guest", False)
    assert auth.authenticate(ctx.db, "guest@example.com", "a long password").id == user.id
    assert invites.open_invite(ctx.db, plain, clock=clock) is None
    with pytest.raises(ValidationError, match="not valid"):
        invites.accept_invite(ctx.db, plain, "second@example.com", "a long password", clock=clock)
    assert auth.get_user_by_email(ctx.db, "second@example.com") is None
    with ctx.db.read() as session:
        row = session.get(Invite, invite.id)
    assert row is not None and row.used_by == user.id


async def test_an_invite_expires(ctx: Context) -> None:
    admin, clock = make_admin(ctx.db), Clock()
    _, plain = invites.create_invite(ctx, admin, clock=clock)
    clock.now = START + timedelta(seconds=ctx.settings.invite_expiry_s - 1)
    assert invites.open_invite(ctx.db, plain, clock=clock) is not None
    assert [i.id for i in invites.pending_invites(ctx, admin, clock=clock)]
    clock.now = START + timedelta(seconds=ctx.settings.invite_expiry_s)
    assert invites.open_invite(ctx.db, plain, clock=clock) is None
    assert invites.pending_invites(ctx, admin, clock=clock) == []
    with pytest.raises(ValidationError, match="expired"):
        invites.accept_invite(ctx.db, plain, "late@example.com", "a long password", clock=clock)
    assert auth.get_user_by_email(ctx.db, "late@example.com") is None


async def test_an_invite_for_a_named_email_and_admin_flag(ctx: Context) -> None:
    admin = make_admin(ctx.db)
    _, plain = invites.create_invite(ctx, admin, "Named@Example.com", is_admin=True)
    user = invites.accept_invite(ctx.db, plain, "someone-else@example.com", "a long password")
    assert (user.email, user.is_admin) == ("named@example.com", True)
    with pytest.raises(ValidationError) as taken:
        invites.create_invite(ctx, admin, "named@example.com")
    assert "email" in taken.value.errors


async def test_a_withdrawn_invite_and_bad_input_lose_nothing(ctx: Context) -> None:
    admin = make_admin(ctx.db)
    invite, plain = invites.create_invite(ctx, admin)
    with pytest.raises(ValidationError, match="at least 8"):
        invites.accept_invite(ctx.db, plain, "guest@example.com", "short")
    assert invites.open_invite(ctx.db, plain) is not None  # still usable after a refused attempt
    invites.withdraw_invite(ctx, admin, invite.id)
    assert invites.open_invite(ctx.db, plain) is None
    person = make_user(ctx.db, "person@example.com")
    with pytest.raises(Forbidden):
        invites.create_invite(ctx, person)
    assert invites.open_invite(ctx.db, "inv_guessed") is None and invites.open_invite(ctx.db, "") is None


async def test_open_sign_up_is_off_by_default_and_refuses(ctx: Context) -> None:
    make_admin(ctx.db)
    assert Settings().open_signup is False
    with pytest.raises(Forbidden, match="does not take sign-ups"):
        account.sign_up(ctx.db, Settings(open_signup=False), "new@example.com", "a long password")
    assert auth.get_user_by_email(ctx.db, "new@example.com") is None
    made = account.sign_up(ctx.db, Settings(open_signup=True), "new@example.com", "a long password", "New")
    assert (made.email, made.is_admin) == ("new@example.com", False)


async def test_a_person_changes_their_password_only_with_the_current_one(ctx: Context) -> None:
    person = make_user(ctx.db, "person@example.com", PASSWORD)
    with pytest.raises(ValidationError) as wrong:
        account.change_password(ctx.db, person, "not it", "a brand new one")
    assert "current" in wrong.value.errors
    with pytest.raises(ValidationError) as short:
        account.change_password(ctx.db, person, PASSWORD, "short")
    assert "password" in short.value.errors
    assert auth.authenticate(ctx.db, person.email, PASSWORD)  # nothing changed by the refusals
    account.change_password(ctx.db, person, PASSWORD, "a brand new one")
    assert auth.authenticate(ctx.db, person.email, "a brand new one").id == person.id


async def test_the_required_change_after_a_reset_clears_the_flag(ctx: Context) -> None:
    from core.admin import users

    admin = make_admin(ctx.db)
    person = make_user(ctx.db, "person@example.com", PASSWORD)
    with pytest.raises(ValidationError, match="no password change pending"):
        account.set_required_password(ctx.db, person, PASSWORD, "a brand new one")
    temporary = users.reset_password(ctx, admin, person.id)
    with pytest.raises(ValidationError, match="other than the current"):
        account.set_required_password(ctx.db, person, temporary, temporary)
    account.set_required_password(ctx.db, person, temporary, "a brand new one")
    signed_in = auth.authenticate(ctx.db, person.email, "a brand new one")
    assert not signed_in.must_change_password


async def test_display_name_is_trimmed_bounded_and_falls_back_to_the_email(ctx: Context) -> None:
    person = make_user(ctx.db, "person@example.com")
    assert account.set_display_name(ctx.db, person, "  Mira   Vale ").display_name == "Mira Vale"
    assert account.set_display_name(ctx.db, person, "").display_name == "person"
    with pytest.raises(ValidationError, match="at most 100"):
        account.set_display_name(ctx.db, person, "x" * 101)
    assert auth.get_user(ctx.db, person.id).display_name == "person"  # type: ignore[union-attr]
