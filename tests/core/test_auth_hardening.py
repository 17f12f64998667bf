"""Sign-in hardening in core (issue 13, points 14 and 16): one first admin, OWASP scrypt, upgrades."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import select

from core import auth
from core.db import Database
from core.errors import AuthError, ValidationError
from core.models import User

STARTS = 4


def test_simultaneous_first_start_forms_give_one_admin_account(db: Database) -> None:
    barrier = threading.Barrier(STARTS)
    outcomes: list[object] = []

    def submit(n: int) -> None:
        barrier.wait()
        try:
            outcomes.append(auth.create_user(db, f"admin{n}@example.com", "correct horse", only_if_first=True))
        except ValidationError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(STARTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with db.read() as session:
        users = list(session.exec(select(User)))
    assert len(users) == 1 and users[0].is_admin
    refusals = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(refusals) == STARTS - 1 and all("sign in instead" in r.message for r in refusals)


def test_new_hashes_use_owasp_parameters(db: Database) -> None:
    user = auth.create_user(db, "new@example.com", "correct horse")
    assert user.password_hash.startswith(f"scrypt${2**17}$8$1$")
    assert not auth.needs_rehash(user.password_hash)


def test_an_old_hash_is_upgraded_at_the_next_sign_in_and_still_works(db: Database) -> None:
    user = auth.create_user(db, "old@example.com", "correct horse")
    salt = b"0123456789abcdef"
    old = f"scrypt${2**14}$8$1${auth._b64(salt)}${auth._b64(auth._scrypt('correct horse', salt, 2**14, 8, 1))}"
    with db.write() as session:
        row = session.get(User, user.id)
        assert row is not None
        row.password_hash = old
        session.add(row)
    with pytest.raises(AuthError):
        auth.authenticate(db, "old@example.com", "wrong horse")
    assert auth.get_user(db, user.id).password_hash == old  # type: ignore[union-attr]  # not on a failure
    auth.authenticate(db, "old@example.com", "correct horse")
    upgraded = auth.get_user(db, user.id).password_hash  # type: ignore[union-attr]
    assert upgraded != old and upgraded.startswith(f"scrypt${2**17}$")
    assert auth.authenticate(db, "old@example.com", "correct horse").id == user.id


def test_the_local_account_has_no_usable_password(db: Database) -> None:
    local = auth.local_user(db)
    assert local.password_hash == auth.UNUSABLE and local.is_admin
    for guess in ("", "!", auth.UNUSABLE):
        with pytest.raises(AuthError):
            auth.authenticate(db, auth.LOCAL_USER_EMAIL, guess)
    assert auth.local_user(db).id == local.id
