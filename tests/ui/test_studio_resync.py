"""Open tabs catch up after an event-bus outage (issue 13, point 7): the bus tells every local
subscriber ``bus.resync`` and the studio reloads its character, gallery and scenes."""

from __future__ import annotations

from nicegui.testing import User
from sqlmodel import select

from core import auth, characters
from core.models import Character
from tests.support.served_app import running_studio
from tests.support.studio_pages import open_studio
from tests.support.waiting import eventually

DESCRIPTION = "A wandering cartographer who maps places that do not exist yet, kind but restless and curious."


async def test_a_tab_that_missed_events_reloads_what_it_shows(user: User) -> None:
    ctx = running_studio().ctx
    owner = auth.local_user(ctx.db)
    character = characters.create_character(ctx, owner, {"name": "Mira", "description": DESCRIPTION})
    await open_studio(user, f"/studio/{character.id}")
    with ctx.db.write() as session:  # changes whose notifications were lost (another process, mid-outage)
        row = session.exec(select(Character).where(Character.id == character.id)).one()
        row.name, row.version = "Mira Vale", row.version + 1
        session.add(row)
    ctx.events.resync()
    [name] = user.find(marker="character-name").elements
    await eventually(lambda: name.value == "Mira Vale", what="the name changed while events were lost")
