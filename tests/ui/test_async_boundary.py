"""No database statement runs on the event loop: pages read in worker threads, also their option lists.

Every tab shares the one event loop, so a query on it stalls them all. These tests watch every SQL
statement the engine executes while pages open and load their lists, and fail on any that ran on the
loop's own thread (the harness drives the pages there), naming the ``ui`` frame that issued it.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from nicegui.testing import User
from sqlalchemy import event

from core import auth, characters, portraits, scenes
from core.templates import list_templates
from tests.support.factories import DESCRIPTION
from tests.support.served_app import running_studio
from tests.support.studio_pages import open_studio
from tests.support.waiting import eventually


@contextmanager
def statements_on_the_loop() -> Iterator[list[str]]:
    """Collect (statement, issuing ui frame) for every statement executed on this thread."""
    engine = running_studio().ctx.db.engine
    loop_thread = threading.get_ident()
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.get_ident() == loop_thread:
            frames = [f"{f.filename.split('/ui/')[-1]}:{f.lineno} {f.name}" for f in traceback.extract_stack()
                      if "/ui/" in f.filename and "/tests/" not in f.filename]
            seen.append(f"{statement.split(chr(10))[0][:60]} <- {frames[-1] if frames else '?'}")

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _options(user: User, marker: str) -> list[str]:
    """The labels every select so marked offers (the model selector is in the sidebar and the prompt bar)."""
    return [label for select in user.find(marker=marker).elements
            for label in select.options.values()]  # type: ignore[attr-defined]


async def test_the_studio_loads_its_option_lists_off_the_loop(user: User) -> None:
    ctx = running_studio().ctx
    template_count = len(list_templates(ctx.db, auth.local_user(ctx.db)))
    with statements_on_the_loop() as on_loop:
        await open_studio(user, "/studio")
        assert len(user.find(marker="appearance-preset").elements) == 8
        await user.should_see(marker="pose-standing")
        assert "Offline preview renderer · I2I" in _options(user, "model-selector")
        (advanced,) = user.find(marker="section-advanced").elements
        advanced.set_value(True)  # opening the section builds it
        await user.should_see(marker="chat-model")
        assert "Offline suggester (built-in)" in _options(user, "chat-model")
        user.find(marker="start-from-template").click()
        await user.should_see(marker="template-button")
        assert len(user.find(marker="template-button").elements) == template_count
    assert on_loop == []


async def test_pages_with_content_read_off_the_loop(user: User) -> None:
    ctx = running_studio().ctx
    owner = auth.local_user(ctx.db)
    character = characters.create_character(ctx, owner, {"name": "Mira", "description": DESCRIPTION})
    portraits.add_portrait(ctx, owner, character.id, image_url="/a.png")
    scenes.create_scene(ctx, owner, character.id, {"scene_name": "Library"})
    auth.create_token(ctx.db, owner, "script")
    with statements_on_the_loop() as on_loop:
        await open_studio(user, f"/studio/{character.id}")
        await eventually(lambda: len(user.find(marker="portrait-tile").elements) == 1, what="the tile")
        user.find(marker="tab-scenes").click()
        await user.should_see("Library")
        await user.open(f"/create/{character.id}")
        await user.should_see("Edit Character")
        assert len(user.find(marker="appearance-preset").elements) == 8
        await user.open("/")
        await user.should_see(marker="character-card")
        await user.open("/account")
        await user.should_see("script")
        await user.open(f"/character/{character.id}")
        await user.should_see(marker="preview-name")
    assert on_loop == []
