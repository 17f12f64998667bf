"""The studio in the User harness: open a page and wait for its deferred parts, make the local
user's character, and read what fields and tag chips show."""

from __future__ import annotations

from typing import Any

from nicegui import ElementFilter, ui
from nicegui.testing import User

from core import auth, characters
from core.context import Context
from core.models import Character
from core.models import User as Account
from tests.support.factories import DESCRIPTION
from tests.support.served_app import running_studio


async def open_studio(user: User, path: str) -> None:
    await user.open(path)
    await user.should_see(marker="studio-ready", retries=100)


def own_character(**fields: Any) -> tuple[Context, Account, Character]:
    """A character of the single-user mode's account, on the served app's database."""
    ctx = running_studio().ctx
    owner = auth.local_user(ctx.db)
    return ctx, owner, characters.create_character(ctx, owner, {"name": "Mira", "description": DESCRIPTION,
                                                                **fields})


def field_value(user: User, marker: str) -> Any:
    """The value of the one element so marked."""
    (element,) = user.find(marker=marker).elements
    return element.value  # type: ignore[attr-defined]


def texts(user: User, marker: str) -> list[str]:
    """Texts of every element so marked (an empty list is a valid answer, unlike ``user.find``)."""
    assert user.client
    with user.client:
        return [e.text for e in ElementFilter(marker=marker, local_scope=False)]  # type: ignore[attr-defined]


def chips(user: User, marker: str) -> list[str]:
    """The tag chips one tag field shows, in their order (an empty list is a valid answer)."""
    assert user.client
    with user.client:
        return [chip.text for chip in ElementFilter(kind=ui.chip, marker=f"{marker}-chip", local_scope=False)]
