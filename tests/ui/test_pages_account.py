"""The account page: who you are, API tokens created (shown once) and revoked."""

from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.testing import User

from core import auth
from core.errors import AuthError
from tests.support.pages import SLOW, account, local_account, sign_in_through_form
from tests.support.served_app import running_studio


async def test_create_token_shows_it_once_and_it_authenticates(user: User) -> None:
    me = local_account()
    await user.open("/account")
    await user.should_see(me.email)
    await user.should_see("No tokens yet.")
    user.find(marker="token-name").type("backup script")
    user.find(marker="create-token").click()
    await user.should_see("Copy this token now: it will not be shown again.", retries=SLOW)
    plain = _shown_token(user)
    assert auth.user_for_token(running_studio().ctx.db, plain).id == me.id
    await user.should_see("backup script")
    await user.should_see(marker="copy-token")


async def test_revoke_asks_then_the_token_stops_working(user: User) -> None:
    me = local_account()
    _token, plain = auth.create_token(running_studio().ctx.db, me, "old script")
    await user.open("/account")
    await user.should_see("old script")
    user.find(marker="revoke-token").click()
    await user.should_see("Revoke “old script”? Scripts using it stop working at once.")
    user.find(marker="confirm-cancel").click()
    await user.should_not_see(marker="confirm-ok")
    await user.should_see("old script")
    assert auth.list_tokens(running_studio().ctx.db, me)

    user.find(marker="revoke-token").click()
    await user.should_see(marker="confirm-ok")
    user.find(marker="confirm-ok").click()
    await user.should_see("Token revoked", retries=SLOW)
    await user.should_see("No tokens yet.")
    with pytest.raises(AuthError):
        auth.user_for_token(running_studio().ctx.db, plain)


async def test_single_user_mode_has_no_sign_out(user: User) -> None:
    await user.open("/account")
    await user.should_see("Single-user mode: sign-in is turned off on this machine.")
    await user.should_not_see(marker="sign-out")
    await user.should_not_see(marker="account-sign-out")


@pytest.mark.usefixtures("password_auth")
async def test_account_shows_the_signed_in_person_and_signs_out(user: User) -> None:
    account("first@example.com")
    account("second@example.com")
    await sign_in_through_form(user, "second@example.com")
    await user.open("/account")
    await user.should_see("second@example.com")
    await user.should_not_see("first@example.com")
    user.find(marker="account-sign-out").click()
    await user.should_see("Sign in")


def _shown_token(user: User) -> str:
    labels = user.find(marker="new-token").elements
    assert len(labels) == 1
    label = next(iter(labels))
    assert isinstance(label, ui.label)
    return label.text
