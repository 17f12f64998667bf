"""``/admin`` and ``/admin/users`` with NiceGUI's User harness (issue 15.4): the list with last sign-ins,
create, invite (the link shown once and usable once), disable and enable, reset (and the new-password
step it leads to at sign-in), the last-admin rule, open sign-up off by default, and the not-found page
for anyone but an admin."""

from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.testing import User

from core import auth
from core.admin import invites, users
from tests.support.pages import PASSWORD, SLOW, account, open_not_found, sign_in_through_form
from tests.support.served_app import running_studio
from tests.support.waiting import eventually

pytestmark = pytest.mark.usefixtures("password_auth")
BOSS = "boss@example.com"


def _stored(email: str) -> auth.User:
    found = auth.get_user_by_email(running_studio().ctx.db, email)
    assert found is not None
    return found


def _shown(user: User, marker: str) -> str:
    [label] = user.find(marker=marker).elements
    assert isinstance(label, ui.label)
    return label.text


async def _admin_on_users_page(user: User) -> auth.User:
    boss = account(BOSS)  # the first account is the admin
    await sign_in_through_form(user, BOSS)
    await user.open("/admin/users")
    await user.should_see("Accounts")
    return boss


async def test_the_landing_page_links_every_admin_section(user: User) -> None:
    account(BOSS)
    await sign_in_through_form(user, BOSS)
    await user.should_see(marker="admin-link")  # the header's link, for admins
    await user.open("/admin")
    for section in ("users", "providers", "models", "backup"):
        await user.should_see(marker=f"admin-link-{section}")
    user.find(marker="admin-link-users").click()
    await user.should_see("Accounts")


async def test_the_list_shows_each_account_and_its_last_sign_in(user: User) -> None:
    await _admin_on_users_page(user)
    account("mira@example.com")
    await user.open("/admin/users")
    await user.should_see("mira@example.com")
    await user.should_see("Last sign-in: never")  # Mira never signed in
    boss_row = _stored(BOSS)
    assert boss_row.last_sign_in_at is not None
    await user.should_see(f"Last sign-in: {boss_row.last_sign_in_at.strftime('%Y-%m-%d %H:%M')} UTC")


async def test_create_shows_errors_at_the_field_then_creates(user: User) -> None:
    await _admin_on_users_page(user)
    user.find(marker="new-email").type("mira@example.com")
    user.find(marker="new-password").type("short")
    user.find(marker="create-user").click()
    await user.should_see("Password must be at least 8 characters", retries=SLOW)
    assert auth.get_user_by_email(running_studio().ctx.db, "mira@example.com") is None
    user.find(marker="new-password").clear().type("a long password")
    user.find(marker="new-is-admin").click()
    user.find(marker="create-user").click()
    await user.should_see("Created mira@example.com", retries=SLOW)
    made = _stored("mira@example.com")
    assert made.is_admin and auth.authenticate(running_studio().ctx.db, made.email, "a long password")


async def test_an_invite_link_is_shown_once_and_makes_one_account(user: User) -> None:
    await _admin_on_users_page(user)
    user.find(marker="invite-email").type("guest@example.com")
    user.find(marker="create-invite").click()
    await user.should_see("Invite link: copy it now, it will not be shown again.", retries=SLOW)
    await user.should_see(marker="copy-invite-link")
    link = _shown(user, "invite-link")
    path = link[link.index("/invite/"):]
    assert invites.open_invite(running_studio().ctx.db, path.removeprefix("/invite/")) is not None
    await user.open("/logout")
    await user.open(path)
    await user.should_see("Create your account")
    user.find(marker="password").type("a long password")
    user.find(marker="password-repeat").type("a long password")
    user.find(marker="submit").click()
    await user.should_see("Your characters", retries=SLOW)
    assert not _stored("guest@example.com").is_admin
    await user.open("/logout")
    await user.open(path)
    await user.should_see("This invite link does not work")


async def test_an_open_invite_is_listed_and_withdrawing_it_stops_its_link(user: User) -> None:
    await _admin_on_users_page(user)
    user.find(marker="invite-email").type("late@example.com")
    user.find(marker="create-invite").click()
    await user.should_see("Open invites", retries=SLOW)
    await user.should_see("late@example.com")
    link = _shown(user, "invite-link")
    token = link[link.index("/invite/"):].removeprefix("/invite/")
    [pending] = invites.pending_invites(running_studio().ctx, _stored(BOSS))
    user.find(marker=f"withdraw-invite-{pending.id}").click()
    await user.should_see("Withdraw the invite for late@example.com? Its link stops working at once.", retries=SLOW)
    user.find(marker="confirm-ok").click()
    await user.should_see("Withdrew the invite for late@example.com", retries=SLOW)
    await user.should_not_see("Open invites")
    assert invites.open_invite(running_studio().ctx.db, token) is None


async def test_disable_asks_then_the_account_is_disabled_and_enable_undoes_it(user: User) -> None:
    await _admin_on_users_page(user)
    mira = account("mira@example.com")
    await user.open("/admin/users")
    user.find(marker=f"toggle-disabled-{mira.id}").click()
    await user.should_see("Disable mira@example.com? They are signed out everywhere at once", retries=SLOW)
    user.find(marker="confirm-ok").click()
    await user.should_see("Disabled mira@example.com", retries=SLOW)
    await user.should_see(marker="badge-disabled")
    assert _stored("mira@example.com").disabled
    user.find(marker=f"toggle-disabled-{mira.id}").click()  # enabling asks nothing
    await user.should_see("Enabled mira@example.com", retries=SLOW)
    assert not _stored("mira@example.com").disabled


async def test_the_last_admin_cannot_remove_their_own_admin_flag(user: User) -> None:
    boss = await _admin_on_users_page(user)
    user.find(marker=f"toggle-admin-{boss.id}").click()
    await user.should_see(f"{BOSS} is the last active admin: make another account an admin first", retries=SLOW)
    assert _stored(BOSS).is_admin


async def test_a_reset_shows_the_temporary_password_once_and_sign_in_asks_for_a_new_one(user: User) -> None:
    await _admin_on_users_page(user)
    mira = account("mira@example.com")
    await user.open("/admin/users")
    user.find(marker=f"reset-password-{mira.id}").click()
    await user.should_see("Reset the password of mira@example.com?")
    user.find(marker="temporary-password").clear().type("temporary pass")
    user.find(marker="reset-ok").click()
    await user.should_see("Temporary password for mira@example.com: copy it now", retries=SLOW)
    assert _shown(user, "temporary-password-value") == "temporary pass"
    assert _stored("mira@example.com").must_change_password
    await user.open("/logout")
    await user.open("/login")
    user.find(marker="email").type("mira@example.com")
    user.find(marker="password").type("temporary pass")
    user.find(marker="submit").click()
    await user.should_see("Choose a new password", retries=SLOW)
    assert user.http_client.cookies.get("studio_session") is None  # no session before the new password
    user.find(marker="new-password").type("mira's own password")
    user.find(marker="new-password-repeat").type("mira's own password")
    user.find(marker="new-password-submit").click()
    await user.should_see("Your characters", retries=SLOW)
    assert not _stored("mira@example.com").must_change_password
    assert auth.authenticate(running_studio().ctx.db, "mira@example.com", "mira's own password")


@pytest.mark.parametrize("path", ["/admin", "/admin/users"])
async def test_anyone_but_an_admin_gets_the_not_found_page(user: User, path: str) -> None:
    account(BOSS)
    account("someone@example.com")
    await sign_in_through_form(user, "someone@example.com")
    await user.should_not_see(marker="admin-link")
    page = await open_not_found(user, path)
    assert "Accounts" not in page and BOSS not in page


async def test_open_sign_up_is_off_by_default(user: User) -> None:
    account(BOSS)
    await user.open("/login")
    await user.should_see("Sign in")
    await user.should_not_see("Create an account")
    await open_not_found(user, "/signup")


@pytest.fixture
def open_signup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_OPEN_SIGNUP", "true")


@pytest.mark.usefixtures("open_signup")
async def test_open_sign_up_switched_on_makes_a_regular_account(user: User) -> None:
    account(BOSS)
    await user.open("/login")
    await user.should_see(marker="signup-link")
    await user.open("/signup")
    user.find(marker="email").type("new@example.com")
    user.find(marker="password").type(PASSWORD)
    user.find(marker="password-repeat").type(PASSWORD)
    user.find(marker="submit").click()
    await user.should_see("Your characters", retries=SLOW)
    await eventually(lambda: auth.get_user_by_email(running_studio().ctx.db, "new@example.com") is not None)
    assert not _stored("new@example.com").is_admin
    assert users.list_users(running_studio().ctx, _stored(BOSS))[-1].email == "new@example.com"
