"""The app starts under the User harness and serves its landing page."""

from __future__ import annotations

from nicegui.testing import User


async def test_home_page_says_the_app_is_up(user: User) -> None:
    await user.open("/")
    await user.should_see("Character Studio")
