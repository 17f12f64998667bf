"""Sign-in pages in the User harness: first start, sign in / out, ``next``, and the session check."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from core import auth
from tests.support.served_app import running_studio

pytestmark = pytest.mark.usefixtures("password_auth")

ADMIN, PASSWORD = "admin@example.com", "correct horse battery"
SLOW = 50  # scrypt runs in a thread on a busy 2-core machine: wait up to 5 s for its result


async def create_admin_through_form(user: User) -> None:
    await user.open("/login")
    await user.should_see("Create the admin account")
    user.find(marker="email").type(ADMIN)
    user.find(marker="password").type(PASSWORD)
    user.find(marker="password-repeat").type(PASSWORD)
    user.find(marker="submit").click()


async def sign_in_through_form(user: User, email: str, password: str, path: str = "/login") -> None:
    await user.open(path)
    await user.should_see("Sign in")
    user.find(marker="email").type(email)
    user.find(marker="password").type(password)
    user.find(marker="submit").click()


async def test_first_start_creates_the_admin_and_signs_in(user: User) -> None:
    await create_admin_through_form(user)
    await user.should_see("Your characters", retries=SLOW)
    db = running_studio().ctx.db
    admin = auth.get_user_by_email(db, ADMIN)
    assert admin is not None and admin.is_admin
    assert auth.user_count(db) == 1


async def test_create_admin_shows_mismatched_passwords_and_creates_nothing(user: User) -> None:
    await user.open("/login")
    user.find(marker="email").type(ADMIN)
    user.find(marker="password").type(PASSWORD)
    user.find(marker="password-repeat").type("something else")
    user.find(marker="submit").click()
    await user.should_see("The passwords do not match")
    assert auth.user_count(running_studio().ctx.db) == 0


async def test_create_admin_shows_a_short_password_under_its_field(user: User) -> None:
    await user.open("/login")
    user.find(marker="email").type(ADMIN)
    user.find(marker="password").type("short")
    user.find(marker="password-repeat").type("short")
    user.find(marker="submit").click()
    await user.should_see("Password must be at least 8 characters", retries=SLOW)
    assert auth.user_count(running_studio().ctx.db) == 0


async def test_sign_out_then_wrong_then_right_password(user: User) -> None:
    auth.create_user(running_studio().ctx.db, ADMIN, PASSWORD)
    await sign_in_through_form(user, ADMIN, PASSWORD)
    await user.should_see("Your characters", retries=SLOW)
    user.find(marker="sign-out").click()
    await user.should_see("Sign in")
    await user.should_not_see("Create the admin account")

    await sign_in_through_form(user, ADMIN, "not the password")
    await user.should_see("Invalid email or password", retries=SLOW)
    await user.should_not_see("Your characters")

    await sign_in_through_form(user, ADMIN, PASSWORD)
    await user.should_see("Your characters", retries=SLOW)


async def test_logout_route_ends_the_session(user: User) -> None:
    auth.create_user(running_studio().ctx.db, ADMIN, PASSWORD)
    await sign_in_through_form(user, ADMIN, PASSWORD)
    await user.should_see("Your characters", retries=SLOW)
    await user.open("/logout")
    await user.should_see("Sign in")
    await user.open("/")
    await user.should_see("Sign in")
    await user.should_not_see("Your characters")


@pytest.mark.parametrize("path", ["/", "/studio", "/account", "/create"])
async def test_unsigned_visitor_is_sent_to_login(user: User, path: str) -> None:
    auth.create_user(running_studio().ctx.db, ADMIN, PASSWORD)
    await user.open(path)
    await user.should_see("Sign in")
    assert user.back_history[-1] == f"/login?next={path}"


async def test_next_is_honoured_after_sign_in(user: User) -> None:
    auth.create_user(running_studio().ctx.db, ADMIN, PASSWORD)
    # The harness follows the page's redirect before the first response has stored the session cookie,
    # which a browser never does; one visit first gives this simulated browser its session, like a real one.
    await user.open("/login")
    await user.open("/account")
    await user.should_see("Sign in")
    assert user.back_history[-1] == "/login?next=/account"
    user.find(marker="email").type(ADMIN)
    user.find(marker="password").type(PASSWORD)
    user.find(marker="submit").click()
    await user.should_see("API tokens", retries=SLOW)  # the target, reached through the cookie step
    assert user.back_history[-1].startswith("/login/complete?ticket=")


async def test_next_never_leaves_the_site(user: User) -> None:
    auth.create_user(running_studio().ctx.db, ADMIN, PASSWORD)
    await sign_in_through_form(user, ADMIN, PASSWORD, path="/login?next=//evil.example/x")
    await user.should_see("Your characters", retries=SLOW)  # home, not the foreign site

