"""The app starts under the User harness and serves its landing page."""

from __future__ import annotations

from nicegui import app
from nicegui.testing import User

from ui.memory import TAB_STORAGE_AGE_S


async def test_home_page_says_the_app_is_up(user: User) -> None:
    await user.open("/")
    await user.should_see("Character Studio")


async def test_tab_storage_the_studio_never_uses_is_not_kept_for_weeks(user: User) -> None:
    await user.open("/")
    assert app.storage.max_tab_storage_age == TAB_STORAGE_AGE_S <= 60  # NiceGUI's default is 30 days
