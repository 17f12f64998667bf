"""Open a studio page in the User harness and wait until its deferred parts have been built."""

from __future__ import annotations

from nicegui.testing import User


async def open_studio(user: User, path: str) -> None:
    await user.open(path)
    await user.should_see(marker="studio-ready", retries=100)
