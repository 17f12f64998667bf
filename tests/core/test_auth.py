"""Accounts, passwords and API tokens."""

from __future__ import annotations

import pytest

from core import auth
from core.db import Database
from core.errors import AuthError, NotFound, ValidationError
from tests.support.factories import make_user


def test_first_user_is_admin_and_later_users_are_not(db: Database) -> None:
    first = auth.create_user(db, "Owner@Example.com", "long enough pw")
    second = auth.create_user(db, "guest@example.com", "long enough pw")
    assert first.is_admin and first.email == "owner@example.com"
    assert not second.is_admin


def test_password_is_stored_as_a_slow_salted_hash(db: Database) -> None:
    user = make_user(db, password="s3cret-password")
    assert user.password_hash.startswith("scrypt$")
    assert "s3cret-password" not in user.password_hash
    assert auth.hash_password("same") != auth.hash_password("same")


def test_authenticate_accepts_the_right_password_only(db: Database) -> None:
    make_user(db, "a@example.com", "right password")
    assert auth.authenticate(db, "A@example.com ", "right password").email == "a@example.com"
    with pytest.raises(AuthError, match="Invalid email or password"):
        auth.authenticate(db, "a@example.com", "wrong password")
    with pytest.raises(AuthError, match="Invalid email or password"):
        auth.authenticate(db, "nobody@example.com", "right password")


@pytest.mark.parametrize(("email", "password", "field"), [
    ("not-an-email", "long enough pw", "email"),
    ("a@example.com", "short", "password"),
    ("a@example.com", "x" * 2000, "password"),
])
def test_bad_account_input_gets_a_clear_error(db: Database, email: str, password: str, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        auth.create_user(db, email, password)
    assert field in info.value.errors
    assert auth.user_count(db) == 0


def test_duplicate_email_is_refused(db: Database) -> None:
    make_user(db, "dup@example.com")
    with pytest.raises(ValidationError, match="already exists"):
        auth.create_user(db, "DUP@example.com", "long enough pw")
    assert auth.user_count(db) == 1


def test_api_tokens_are_stored_hashed_and_can_be_revoked(db: Database) -> None:
    user = make_user(db)
    token, plain = auth.create_token(db, user, "laptop")
    assert plain.startswith("cs_") and plain not in token.token_hash
    assert auth.user_for_token(db, plain).id == user.id
    listed = auth.list_tokens(db, user)
    assert [t.name for t in listed] == ["laptop"] and listed[0].last_used_at is not None
    auth.revoke_token(db, user, token.id)
    with pytest.raises(AuthError):
        auth.user_for_token(db, plain)
    assert auth.list_tokens(db, user) == []


@pytest.mark.parametrize("bad", ["", "cs_not-a-token", "Bearer x", "x" * 500])
def test_unknown_tokens_are_refused(db: Database, bad: str) -> None:
    make_user(db)
    with pytest.raises(AuthError):
        auth.user_for_token(db, bad)


def test_another_users_token_cannot_be_revoked(db: Database) -> None:
    owner, other = make_user(db), make_user(db)
    token, plain = auth.create_token(db, owner)
    with pytest.raises(NotFound):
        auth.revoke_token(db, other, token.id)
    assert auth.user_for_token(db, plain).id == owner.id


def test_local_user_is_created_once(db: Database) -> None:
    assert auth.local_user(db).id == auth.local_user(db).id
    assert auth.user_count(db) == 1
