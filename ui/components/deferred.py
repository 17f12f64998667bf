"""Build the parts of a page below the fold once the browser is connected.

The first answer carries the frame and what a person reads first (header, Basic Info), so it is small
and quick however much the editor holds; the rest follows over the websocket a moment later, in one
batch. A marked ``studio-ready`` element says when it has all arrived (tests and benchmarks wait on it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import background_tasks, ui

Part = tuple[ui.element, Callable[[], None]]
CONNECT_TIMEOUT_S = 30.0


def after_connect(parts: list[Part], prepare: Callable[[], Awaitable[None]] | None = None) -> None:
    """Build ``parts`` (container, builder) once connected; ``prepare`` loads what they show first."""
    client = ui.context.client
    ready = ui.element("div").classes("hidden")

    async def build() -> None:
        if not client.has_socket_connection:
            try:
                await client.connected(timeout=CONNECT_TIMEOUT_S)
            except TimeoutError:
                return  # fetched but never opened: nothing to build for
        if client.is_deleted:
            return
        if prepare is not None:
            await prepare()
        for container, make in parts:
            with container:
                make()
        with ready:
            ui.element("div").props('data-testid="studio-ready"').mark("studio-ready")

    background_tasks.create(build(), name="build-after-connect")
