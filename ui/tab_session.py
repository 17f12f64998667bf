"""One open tab's context, shared by the controllers composed on it.

A tab edits one character for one person: the session holds who (user), where (studio, ctx, the
NiceGUI client for toasts), what (the ``CharacterState`` and the per-tab ``StudioOptions``) and the
auto-saver. It also owns the tab's one subscription to the character's domain events and hands each
event on through :attr:`events` (a ``nicegui.Event``), so every controller listens the same way and
its subscription ends with the tab. Controllers take the session and nothing else of each other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import Event, run, ui
from nicegui.client import Client

from core import characters, sessions
from core.container import Studio
from core.errors import AuthError, StudioError
from core.events import Event as DomainEvent
from core.events import Subscription
from core.models import User
from ui.session import session_token
from ui.state import AutoSaver, CharacterState, StudioOptions

SIGNED_OUT = "You signed out in another tab: sign in again to keep editing (your text is still here)"


class TabSession:
    """The context of one open tab; ``autosave=False`` for pages that save only when asked."""

    def __init__(self, studio: Studio, user: User, *, role: str = "ai", autosave: bool = True) -> None:
        self.studio = studio
        self.ctx = studio.ctx
        self.user = user
        self.state = CharacterState({"role": role})
        self.options = StudioOptions()
        self.autosave = autosave
        self.saver = AutoSaver(self.state, self._save_changes, delay=self.ctx.settings.autosave_delay_s,
                               follow_edits=autosave)
        self.tab_id = f"tab-{id(self)}"
        self.sign_in_token = session_token(studio)  # None with sign-in off
        self.client: Client | None = None
        self.events: Event[[DomainEvent]] = Event()  # the shown character's domain events, for the controllers
        self._subscription: Subscription | None = None

    def attach(self, client: Client) -> None:
        """Toasts reach this tab; a pending save is flushed when it disconnects; events stop when it goes."""
        self.client = client
        if self.autosave:
            client.on_disconnect(self.saver.flush)
        client.on_delete(self.close)  # the end of the session itself: ui.session.follow_session_end

    def watch(self, character_id: str) -> None:
        """Listen to ``character_id``'s events from now on (before loading, so none is missed)."""
        self._unwatch()
        self._subscription = self.ctx.events.subscribe(character_id, self._relay)

    def close(self) -> None:
        """The tab is gone: stop every subscription."""
        self._unwatch()

    def _unwatch(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None

    def notify(self, message: str, type: str = "info") -> None:  # noqa: A002 - NiceGUI's own name
        """A toast in this tab, also from background tasks and event handlers (outside a UI context)."""
        if self.client is None or self.client.is_deleted:
            return
        with self.client:
            ui.notify(message, type=type)  # type: ignore[arg-type]

    async def call(self, fn: Callable[..., Any], *args: Any, done: str) -> Any:
        """A core call in a worker thread; its error, or ``done``, becomes this tab's toast."""
        try:
            result = await run.io_bound(fn, *args)
        except StudioError as exc:
            self.notify(exc.message, type="negative")
            return None
        self.notify(done, type="positive")
        return result

    async def _relay(self, event: DomainEvent) -> None:
        await self.events.call(event)  # in order: the bus hands this tab one event at a time

    async def _save_changes(self, changes: dict[str, Any], version: int) -> tuple[dict[str, Any], int]:
        try:
            row = await run.io_bound(self._save_if_signed_in, changes, version)
        except AuthError:
            self._to_sign_in()
            raise
        return changes, row.version

    async def create_character(self, values: dict[str, Any], *, strict_description: bool,
                               character_id: str) -> Any:
        """Insert the tab's new character (None while the app shuts down); a signed-out tab inserts nothing."""
        try:
            return await run.io_bound(self._create_if_signed_in, values, strict_description, character_id)
        except AuthError:
            self._to_sign_in()
            raise

    def _create_if_signed_in(self, values: dict[str, Any], strict_description: bool, character_id: str) -> Any:
        """Blocking: like a save, a draft needs the session to be live."""
        self._check_signed_in()
        return characters.create_character(self.ctx, self.user, values, strict_description=strict_description,
                                           character_id=character_id)

    def _check_signed_in(self) -> None:
        if self.sign_in_token is not None and sessions.session_user(self.ctx.db, self.sign_in_token) is None:
            raise AuthError(SIGNED_OUT)

    def _save_if_signed_in(self, changes: dict[str, Any], version: int) -> Any:
        """Blocking: the session must still be live (it may have ended in another process)."""
        self._check_signed_in()
        return characters.update_character(self.ctx, self.user, self.state.character_id, changes, version,
                                           source=self.tab_id)

    def _to_sign_in(self, message: str = SIGNED_OUT) -> None:
        if self.client is None or self.client.is_deleted:
            return
        with self.client:
            ui.notify(message, type="warning")
            ui.navigate.to("/login")
