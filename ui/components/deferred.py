"""The one way to build a part of a page later: once the browser has connected, or when first shown.

The first answer carries the frame and what a person looks at first (in the studio: the header and
the first screenful of portraits). Every element in it is mounted by the browser before it opens the
websocket, so it holds nothing that only works once connected: the rest follows over the websocket a
moment later (:func:`after_connect`), and what sits behind a closed section or an unopened tab is built
the first time it is shown (:meth:`Deferred.on_first_view`). Either way a :class:`Deferred` builds its
part once, inside its container, and never for a page that is gone. A marked ``studio-ready`` element
can say when the connected batch has arrived (tests and benchmarks wait on it).

The connected batch waits a turn of the event loop before each part: the handshake's reply is sent
from another task, and a part built at once would hold it back (and with it every other tab).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import background_tasks, ui
from nicegui.client import Client
from nicegui.elements.mixins.value_element import ValueElement

CONNECT_TIMEOUT_S = 30.0


class Deferred:
    """``build`` runs once, inside ``container``, when the part is first wanted."""

    def __init__(self, container: ui.element, build: Callable[[], None]) -> None:
        self.container = container
        self._build = build
        self.built = False

    def build(self) -> None:
        """Build now, unless built already or the container is gone."""
        if self.built or self.container.is_deleted:
            return
        self.built = True
        with self.container:
            self._build()

    def on_first_view(self, toggle: ValueElement[Any], shown: Any = True) -> Deferred:
        """Build when ``toggle`` (an expansion, a tab bar) first takes the value ``shown``; now if it has it."""
        if toggle.value == shown:
            self.build()
        else:
            toggle.on_value_change(lambda event: self.build() if event.value == shown else None)
        return self


def after_connect(*parts: Deferred, prepare: Callable[[], Awaitable[None]] | None = None,
                  ready_marker: str | None = None) -> None:
    """Build ``parts`` once this page's browser is connected; ``prepare`` loads what they show first.

    With ``ready_marker``, a hidden element so marked (and ``data-testid``) is added after the parts.
    """
    client = ui.context.client
    ready = ui.element("div").classes("hidden") if ready_marker else None

    async def build() -> None:
        if not await _connected(client):
            return
        if prepare is not None:
            await prepare()
            if client.is_deleted:
                return
        for part in parts:
            # a turn of the loop first: the handshake's reply (queued by then) goes out before this
            # part holds the loop, and between parts whatever else is waiting gets its turn
            await asyncio.sleep(0)
            part.build()
        if ready is not None and not ready.is_deleted:
            with ready:
                ui.element("div").props(f'data-testid="{ready_marker}"').mark(ready_marker)

    background_tasks.create(build(), name="build-after-connect")


async def _connected(client: Client) -> bool:
    """False when the page was fetched but never opened (a crawler, a benchmark) or is gone already."""
    if not client.has_socket_connection:
        try:
            await client.connected(timeout=CONNECT_TIMEOUT_S)
        except TimeoutError:
            return False
    return not client.is_deleted
