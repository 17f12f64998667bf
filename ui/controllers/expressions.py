"""The expression set of one tab's character: read it, follow its events, start, cancel and change it.

Nothing is read until the Expressions tab is first opened (:meth:`ExpressionController.load`): a
tab that never looks at the expressions pays nothing for their events. From then on every
``expression.changed`` (and a resync) asks for a fresh read in a worker thread; reads are
coalesced, one in flight and at most one more after it, so a 28-label set does not queue 56 reads.
The set job's ``job.progress`` carries n of N itself, so it updates the header without a read.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from nicegui import background_tasks, run

from core.cards.export import safe_filename
from core.context import Context
from core.errors import StudioError, ValidationError
from core.events import Event, EventType
from core.expressions import store
from core.expressions.sprite_zip import sprite_zip
from core.expressions.transfer import export_sprites, upload_image
from core.expressions.views import SetView
from core.generation import jobs
from core.models import User
from ui.card_downloads import offer_to_tab
from ui.expression_state import ExpressionState, SetProgress
from ui.tab_session import TabSession

log = logging.getLogger(__name__)
SET_END = (EventType.JOB_COMPLETED, EventType.JOB_FAILED)


def read_panel(ctx: Context, user: User, character_id: str) -> tuple[SetView | None, SetProgress | None]:
    """Blocking: the set and its job's n of N, in one trip to a worker thread."""
    view = store.read_set(ctx, user, character_id)
    if view is None or not view.job_id:
        return view, None
    try:
        job = jobs.get_job(ctx.db, user, view.job_id)
    except StudioError:
        return view, None
    meta = job.job_metadata or {}
    total = int(meta.get("total") or len(meta.get("labels") or []) or 0)
    return view, SetProgress(job.id, int(meta.get("done") or 0), total, job.status in jobs.ACTIVE)


@dataclass(frozen=True)
class SpriteZip:
    """The SillyTavern ZIP as a download (``ui.card_downloads`` streams it under its name)."""

    filename: str
    data: bytes
    media_type: str = "application/zip"

    @property
    def size(self) -> int:
        return len(self.data)

    def stream(self) -> Iterator[bytes]:
        yield self.data


def sprites_filename(name: str) -> str:
    """``Iris Vale-sprites.zip``: the character's name, safe on any OS."""
    return safe_filename(f"{(name or '').strip() or 'Character'}-sprites", "zip")


class ExpressionController:
    """Implements ``ExpressionActions``."""

    def __init__(self, session: TabSession) -> None:
        self.session = session
        self.state = ExpressionState()
        self._wanted = False  # the tab has been opened: follow the events from now on
        self._again = False
        self._reading: asyncio.Task[None] | None = None
        session.events.subscribe(self._on_event)

    @property
    def character_id(self) -> str | None:
        return self.session.state.character_id

    async def load(self) -> None:
        """The first read, when the tab is first opened; events keep it current afterwards."""
        self._wanted = True
        await self._read()

    async def start(self, *, preset: str | None, labels: list[str] | None, background: str,
                    api_model_id: str | None) -> str | None:
        """Start a set; the message to show when it cannot start (a character without a face...)."""
        if self.character_id is None:
            return "Save the character and give it a portrait first"
        session = self.session
        try:
            started = await session.studio.expressions.start_set(
                session.user, self.character_id, preset=preset, labels=labels, api_model_id=api_model_id,
                background=background)
        except StudioError as exc:
            return _message(exc)
        self.state.set_progress(SetProgress(started.job_id, 0, len(started.labels), True))
        session.notify(f"Making {len(started.labels)} expression{'' if len(started.labels) == 1 else 's'}",
                       type="positive")
        return None

    async def cancel(self) -> None:
        progress = self.state.progress
        if progress is None or not progress.active:
            return
        try:
            await self.session.studio.generation.cancel_job(self.session.user, progress.job_id)
        except StudioError as exc:
            self.session.notify(exc.message, type="negative")
            return
        self.session.notify("Expression set cancelled", type="info")

    async def regenerate(self, label: str) -> None:
        if self.character_id is None:
            return
        session = self.session
        try:
            started = await session.studio.expressions.regenerate(session.user, self.character_id, label)
        except StudioError as exc:
            session.notify(_message(exc), type="negative")
            return
        self.state.set_progress(SetProgress(started.job_id, 0, len(started.labels), True))

    async def choose(self, label: str, image_id: str) -> None:
        await self._change(store.choose_image, label, image_id)

    async def delete_label(self, label: str) -> None:
        await self._change(store.delete_label, label, done=f"Expression “{label}” deleted")

    async def delete_image(self, label: str, image_id: str) -> None:
        await self._change(store.delete_image, label, image_id, done="Image deleted")

    async def upload(self, label: str, data: bytes) -> None:
        """The person's own image for a label, through the image gate (a bad file changes nothing)."""
        if self.character_id is None:
            return
        session = self.session
        try:
            await upload_image(session.ctx, session.user, self.character_id, label, data)
        except StudioError as exc:
            session.notify(_message(exc), type="negative")
            return
        session.notify(f"Your image is now “{label}”", type="positive")

    async def export(self) -> None:
        """The SillyTavern sprite ZIP, named after the character, as a streamed download."""
        if self.character_id is None:
            return
        session = self.session
        try:
            sprites = await export_sprites(session.ctx, session.user, self.character_id)
        except StudioError as exc:
            session.notify(_message(exc), type="negative")
            return
        if not sprites:
            session.notify("No expression has an image yet", type="warning")
            return
        data = await asyncio.to_thread(sprite_zip, sprites)
        offer_to_tab(SpriteZip(sprites_filename(session.state.name), data))

    async def _change(self, fn: object, *args: str, done: str | None = None) -> None:
        if self.character_id is None:
            return
        session = self.session
        try:
            await run.io_bound(fn, session.ctx, session.user, self.character_id, *args)  # type: ignore[arg-type]
        except StudioError as exc:
            session.notify(exc.message, type="negative")
            return
        if done:
            session.notify(done, type="positive")
        await self._read()  # this tab at once; the others on the event

    def _on_event(self, event: Event) -> None:
        if not self._wanted:
            return
        if event.type in (EventType.EXPRESSION_CHANGED, EventType.RESYNC):
            self._read_soon()
        elif event.type == EventType.JOB_PROGRESS and "set_id" in event.data and "total" in event.data:
            data = event.data
            self.state.set_progress(SetProgress(str(data["job_id"]), int(data.get("done") or 0),
                                                int(data.get("total") or 0), True))
        elif event.type in SET_END and "set_id" in event.data:
            progress = self.state.progress
            if progress is not None and progress.job_id == event.data.get("job_id"):
                self.state.set_progress(SetProgress(progress.job_id, progress.done, progress.total, False))
            self._read_soon()

    def _read_soon(self) -> None:
        if self._reading is not None and not self._reading.done():
            self._again = True
            return
        self._reading = background_tasks.create(self._read_while_changed(), name="expressions-read")

    async def _read_while_changed(self) -> None:
        self._again = True
        while self._again:
            self._again = False
            await self._read()

    async def _read(self) -> None:
        if self.character_id is None:
            self.state.apply(None, None)
            return
        client = self.session.client
        try:
            view, progress = await run.io_bound(read_panel, self.session.ctx, self.session.user, self.character_id)
        except StudioError as exc:
            self.session.notify(exc.message, type="negative")
            return
        if client is not None and client.is_deleted:
            return
        self.state.apply(view, progress)


def _message(exc: StudioError) -> str:
    """A ValidationError's first field message (the sentence a person can act on), else the error's own."""
    if isinstance(exc, ValidationError) and exc.errors:
        return str(next(iter(exc.errors.values())))
    return exc.message
