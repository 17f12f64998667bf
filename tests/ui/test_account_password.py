"""The account page's own changes (issue 15.4): the password, only with the current one (errors at their
field, nothing changed), and the display name; single-user mode has no password to change."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from core import auth, sessions
from core.errors import AuthError
from tests.support.pages import PASSWORD, SLOW, account, local_account, sign_in_through_form
from tests.support.served_app import running_studio

ME = "mira@example.com"


@pytest.mark.usefixtures("password_auth")
async def test_the_password_changes_only_with_the_current_one(user: User) -> None:
    account(ME)
    await sign_in_through_form(user, ME)
    await user.open("/account")
    await user.should_see("Change password")
    user.find(marker="current-password").type("not my password")
    user.find(marker="new-password").type("a brand new one")
    user.find(marker="new-password-repeat").type("a brand new one")
    user.find(marker="change-password").click()
    await user.should_see("The current password is not right", retries=SLOW)
    user.find(marker="current-password").clear().type(PASSWORD)
    user.find(marker="new-password-repeat").clear().type("something else")
    user.find(marker="change-password").click()
    await user.should_see("The passwords do not match")
    user.find(marker="new-password").clear().type("short")
    user.find(marker="new-password-repeat").clear().type("short")
    user.find(marker="change-password").click()
    await user.should_see("Password must be at least 8 characters", retries=SLOW)
    db = running_studio().ctx.db
    assert auth.authenticate(db, ME, PASSWORD)  # every refusal left the password as it was
    other_browser = sessions.start_session(db, auth.authenticate(db, ME, PASSWORD))
    user.find(marker="new-password").clear().type("a brand new one")
    user.find(marker="new-password-repeat").clear().type("a brand new one")
    user.find(marker="change-password").click()
    await user.should_see("Password changed; signed out 1 other session(s)", retries=SLOW)
    assert sessions.session_user(db, other_browser) is None  # signed in with the old password elsewhere
    await user.open("/account")  # this browser stays signed in
    await user.should_see("Change password")
    assert auth.authenticate(db, ME, "a brand new one")
    with pytest.raises(AuthError):
        auth.authenticate(db, ME, PASSWORD)


@pytest.mark.usefixtures("password_auth")
async def test_the_display_name_is_saved_and_shown(user: User) -> None:
    me = account(ME)
    await sign_in_through_form(user, ME)
    await user.open("/account")
    user.find(marker="display-name-input").clear().type("Mira Vale")
    user.find(marker="save-display-name").click()
    await user.should_see("Display name saved", retries=SLOW)
    assert auth.get_user(running_studio().ctx.db, me.id).display_name == "Mira Vale"  # type: ignore[union-attr]
    user.find(marker="display-name-input").clear().type("x" * 101)
    user.find(marker="save-display-name").click()
    await user.should_see("Display name must be at most 100 characters", retries=SLOW)
    assert auth.get_user(running_studio().ctx.db, me.id).display_name == "Mira Vale"  # type: ignore[union-attr]


async def test_single_user_mode_has_no_password_form(user: User) -> None:
    local_account()
    await user.open("/account")
    await user.should_see("Single-user mode")
    await user.should_not_see(marker="change-password")
    await user.should_see(marker="display-name-input")
