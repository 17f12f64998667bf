"""The theme toggle: automatic → dark → light, said in its accessible name, kept on every page.

The browser side (what prefers-color-scheme and body--dark do to the colours) is in
tests/browser/test_accessibility.py; here is the behaviour: the choice is the person's and every page
opens in it.
"""

from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.testing import User

from tests.support.pages import character_of, local_account


def _dark_value(user: User) -> bool | None:
    """The page's one dark-mode element: None is automatic (the system's choice)."""
    [dark] = user.find(kind=ui.dark_mode).elements
    return dark.value


def _toggle_label(user: User) -> str:
    [toggle] = user.find(marker="theme-toggle").elements
    return str(toggle.props["aria-label"])


async def test_the_toggle_cycles_and_says_the_current_mode(user: User) -> None:
    await user.open("/")
    assert _dark_value(user) is None
    assert _toggle_label(user).startswith("Theme: automatic")
    user.find(marker="theme-toggle").click()
    assert _dark_value(user) is True
    assert _toggle_label(user).startswith("Theme: dark")
    user.find(marker="theme-toggle").click()
    assert _dark_value(user) is False
    assert _toggle_label(user).startswith("Theme: light")
    user.find(marker="theme-toggle").click()
    assert _dark_value(user) is None


async def test_the_choice_is_kept_on_every_page(user: User) -> None:
    shown = character_of(local_account())
    await user.open("/account")
    user.find(marker="theme-toggle").click()  # automatic → dark
    for path in ("/", "/studio", f"/studio/{shown.id}", "/create", f"/character/{shown.id}", "/account"):
        await user.open(path)
        assert _dark_value(user) is True, path
        assert _toggle_label(user).startswith("Theme: dark"), path
    user.find(marker="theme-toggle").click()  # dark → light, chosen in the studio's header
    await user.open("/")
    assert _dark_value(user) is False


@pytest.mark.usefixtures("password_auth")
async def test_the_sign_in_page_follows_the_choice_too(user: User) -> None:
    await user.open("/login")
    await user.should_see("Create the admin account")
    assert _dark_value(user) is None
    user.find(marker="theme-toggle").click()
    await user.open("/login")
    assert _dark_value(user) is True
