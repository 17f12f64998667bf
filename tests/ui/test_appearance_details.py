"""Appearance details and personality traits are two fields (issue 14, point 3): before, the
"Appearance details" box was bound to ``traits``, so typing in one changed the other."""

from __future__ import annotations

from nicegui.testing import User

from core import auth, characters
from tests.support.served_app import running_studio
from tests.support.studio_pages import open_studio

DESCRIPTION = "A wandering cartographer who maps places that do not exist yet, kind but restless and curious."


async def test_details_and_traits_stay_apart_through_a_save_and_a_reload(user: User) -> None:
    ctx = running_studio().ctx
    owner = auth.local_user(ctx.db)
    character = characters.create_character(ctx, owner, {"name": "Mira", "description": DESCRIPTION,
                                                         "traits": "curious, loyal"})
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="appearance-details").type("A thin scar through the left brow")
    await user.should_see("Saved", retries=60)
    saved = characters.get_character(ctx, owner, character.id)
    assert saved.appearance_details == "A thin scar through the left brow" and saved.traits == "curious, loyal"
    await open_studio(user, f"/studio/{character.id}")  # a reload shows each in its own box
    [details] = user.find(marker="appearance-details").elements
    assert details.value == "A thin scar through the left brow"
