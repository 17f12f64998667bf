"""Server-side sign-in sessions (issue 13, point 12): a new token per sign-in; signing out ends it
for every tab at once."""

from __future__ import annotations

import asyncio

from core.context import Context
from core.events import EventType
from core.sessions import end_other_sessions, end_session, session_key, session_user, start_session
from tests.support.factories import make_user


async def test_each_sign_in_is_a_new_session_and_signing_out_ends_only_that_one(ctx: Context) -> None:
    user = make_user(ctx.db)
    first, second = start_session(ctx.db, user), start_session(ctx.db, user)
    assert first != second
    assert session_user(ctx.db, first).id == session_user(ctx.db, second).id == user.id  # type: ignore[union-attr]
    heard = []
    ctx.events.subscribe(session_key(first), heard.append)
    end_session(ctx.db, ctx.events, first)
    assert session_user(ctx.db, first) is None
    assert session_user(ctx.db, second).id == user.id  # type: ignore[union-attr]  # another browser stays in
    assert session_user(ctx.db, None) is None and session_user(ctx.db, "forged") is None
    for _ in range(100):
        if heard:
            break
        await asyncio.sleep(0.01)
    assert [e.type for e in heard] == [EventType.SESSION_ENDED]


async def test_a_password_change_ends_every_other_session_of_the_account_only(ctx: Context) -> None:
    user, other = make_user(ctx.db), make_user(ctx.db)
    mine, elsewhere, theirs = start_session(ctx.db, user), start_session(ctx.db, user), start_session(ctx.db, other)
    heard: asyncio.Queue[object] = asyncio.Queue()
    ctx.events.subscribe(session_key(elsewhere), heard.put_nowait)
    assert end_other_sessions(ctx.db, ctx.events, user.id, mine, "changed") == 1
    event = await asyncio.wait_for(heard.get(), 2)
    assert event.type == EventType.SESSION_ENDED and event.data["message"] == "changed"  # type: ignore[attr-defined]
    assert session_user(ctx.db, elsewhere) is None
    assert session_user(ctx.db, mine).id == user.id  # type: ignore[union-attr]
    assert session_user(ctx.db, theirs).id == other.id  # type: ignore[union-attr]
