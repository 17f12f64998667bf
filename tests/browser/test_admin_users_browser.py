"""Users from the admin page in Chromium (issue 15.4): an admin disables a person whose studio is open in
another browser, and that page goes to sign-in at once (``session.ended`` over the bus and the
websocket, no reload); /admin, /admin/users, the account page's password form and an invite page pass
axe at 1440×900 and on a 390×844 touch phone, in the light and the dark theme, with every control at
least 40 px on the phone. Screenshots: tests/artifacts/<page>-<view>-<theme>.png (admin-users-...)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from core import auth, characters
from core.admin import invites
from core.models import User
from tests.support.app_process import StudioApp, start_studio
from tests.support.browser import VIEWS, Screenshot, axe_violations, describe_violations, unsettled

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
BOSS = "boss@example.com"
DARK_BODY = re.compile(r"\bbody--dark\b")
MakeContext = Callable[[str, str], BrowserContext]
# Every visible control (buttons, links, checkboxes, in the header too): its name and its size in px.
TARGETS_JS = """() => [...document.querySelectorAll('button, a[href], [role=checkbox]')]
  .filter((e) => e.checkVisibility()).map((e) => {
    const r = e.getBoundingClientRect();
    return [e.getAttribute('aria-label') || e.textContent.trim(), Math.round(r.width), Math.round(r.height)];
  })"""


@pytest.fixture(scope="module")
def signed_app() -> Iterator[StudioApp]:
    """The app with sign-in on, an admin and two people (one signs in and is disabled per test)."""
    app = start_studio(auth="password")
    try:
        auth.create_user(app.ctx.db, BOSS, PASSWORD, "Boss", is_admin=True)
        auth.create_user(app.ctx.db, "iris@example.com", PASSWORD, "Iris Vale")
        yield app
    finally:
        app.stop()



def sign_in(page: Page, app: StudioApp, email: str) -> None:
    page.goto(app.url("/login"))
    page.get_by_test_id("email").fill(email)
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(app.url("/"), timeout=20_000)


def test_disabling_a_person_sends_their_open_studio_to_sign_in(signed_app: StudioApp,
                                                               make_context: MakeContext) -> None:
    mira: User = auth.create_user(signed_app.ctx.db, "mira@example.com", PASSWORD, "Mira")
    character = characters.create_character(signed_app.ctx, mira, {
        "name": "Mira's lighthouse keeper", "description": "Keeps the lamp and the stories of passing ships."})
    theirs = make_context("desktop", "light").new_page()
    sign_in(theirs, signed_app, "mira@example.com")
    theirs.goto(signed_app.url(f"/studio/{character.id}"))
    expect(theirs.get_by_test_id("studio-ready")).to_be_attached()

    admin = make_context("desktop", "light").new_page()
    sign_in(admin, signed_app, BOSS)
    admin.goto(signed_app.url("/admin/users"))
    admin.get_by_role("button", name="Disable mira@example.com").click()
    admin.get_by_test_id("confirm-ok").click()
    expect(admin.get_by_text("Disabled mira@example.com")).to_be_visible()

    expect(theirs).to_have_url(re.compile(r"/login$"), timeout=10_000)  # no reload: pushed over the websocket
    theirs.goto(signed_app.url(f"/studio/{character.id}"))  # and the session is gone for good
    expect(theirs).to_have_url(re.compile(r"/login\?next="))
    theirs.get_by_test_id("email").fill("mira@example.com")  # signing in again says why it cannot
    theirs.get_by_test_id("password").fill(PASSWORD)
    theirs.get_by_test_id("submit").click()
    expect(theirs.get_by_text(auth.DISABLED)).to_be_visible()
    expect(admin.get_by_role("button", name="Enable mira@example.com")).to_be_visible()


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("view", list(VIEWS))
def test_admin_pages_pass_axe_and_keep_touch_targets(signed_app: StudioApp, make_context: MakeContext,
                                                     screenshot: Screenshot, view: str, theme: str) -> None:
    page = make_context(view, theme).new_page()
    sign_in(page, signed_app, BOSS)
    problems: list[str] = []
    boss = auth.get_user_by_email(signed_app.ctx.db, BOSS)
    assert boss is not None
    _, token = invites.create_invite(signed_app.ctx, boss)
    pages = (("/admin", "admin-link-users", "admin"), ("/admin/users", "user-list", "admin-users"),
             ("/account", "current-password", "account-password"), (invites.invite_path(token), "password", "invite"))
    for path, ready, name in pages:
        page.goto(signed_app.url(path))
        page.wait_for_function("window.did_handshake === true")
        expect(page.get_by_test_id(ready)).to_be_visible()
        body = expect(page.locator("body"))
        body.to_have_class(DARK_BODY) if theme == "dark" else body.not_to_have_class(DARK_BODY)
        unsettled(page, timeout=3_000)
        screenshot(page, f"{name}-{view}-{theme}")
        found = axe_violations(page)
        if found:
            problems.append(describe_violations(f"{path} ({view}, {theme})", found))
        if view == "phone":
            targets = page.evaluate(TARGETS_JS)
            assert len(targets) >= 2, f"no controls measured on {path}"
            small = [f"{n}: {w}x{h}" for n, w, h in targets if w < 40 or h < 40]
            assert not small, f"touch targets under 40 px on {path}: {small}"
    assert not problems, "axe-core found serious or critical violations:\n" + "\n".join(problems)
