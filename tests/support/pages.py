"""Helpers for the page tests: users, characters and signing in through the real form."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from nicegui.testing import User

from core import auth, characters
from core.models import Character
from core.models import User as Account
from tests.support.factories import DESCRIPTION
from tests.support.served_app import running_studio

PASSWORD = "correct horse battery"
SLOW = 50  # scrypt and thread hops on a busy 2-core machine: allow up to 5 s for their results


def account(email: str) -> Account:
    return auth.create_user(running_studio().ctx.db, email, PASSWORD)


def local_account() -> Account:
    return auth.local_user(running_studio().ctx.db)


def character_of(owner: Account, **fields: Any) -> Character:
    data: dict[str, Any] = {"name": "Mira", "description": DESCRIPTION, **fields}
    return characters.create_character(running_studio().ctx, owner, data)


async def sign_in_through_form(user: User, email: str, password: str = PASSWORD) -> None:
    """Fill in and submit /login as a person would; waits until the home page shows."""
    await user.open("/login")
    await user.should_see("Sign in")
    user.find(marker="email").type(email)
    user.find(marker="password").type(password)
    user.find(marker="submit").click()
    await user.should_see("Your characters", retries=SLOW)


async def eventually(condition: Callable[[], bool], retries: int = SLOW) -> None:
    """Wait for something the harness cannot await by itself (page order, history); fail after the retries."""
    for _ in range(retries):
        if condition():
            return
        await asyncio.sleep(0.1)
    assert condition()


async def open_not_found(user: User, path: str) -> str:
    """Load ``path`` as this browser would and check it is the not-found page, answered with HTTP 404
    (the User harness's ``open`` takes only 200s); returns the page's HTML for further checks."""
    response = await user.http_client.get(path)
    assert response.status_code == 404, f"{path}: HTTP {response.status_code}"
    assert "Page not found" in response.text
    return response.text
