"""Expression sets as jobs: one job for the set, one slot-holding job per label, resumable after a crash.

The set's job (``job_type = 'expression_set'``) holds no slot; each label is a job of its own
(``job_type = 'expression'``) that waits for a slot like a portrait, so a set runs as wide as the
per-user and overall limits allow, and no wider (a label's job is created only when the set could run it,
so 28 labels do not crowd every freed slot). Progress is n of N on the set's job; each label has
its own state on its row. Cancelling the set's job cancels its running labels; the rest are marked
cancelled. After a restart, a set whose job was failed as interrupted gets a new job for the labels
still missing (one process wins the claim), so it never starts over and no job is left hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from core.context import Context
from core.errors import NotFound, StudioError, ValidationError
from core.events import ALL, Event, EventType, Subscription
from core.expressions import store
from core.expressions.face import current_face, face_bytes
from core.expressions.label_job import LabelJob, run_label
from core.expressions.labels import preset_labels, validate_label, validate_labels
from core.expressions.prompt import BACKGROUNDS
from core.generation import jobs
from core.generation.inputs import PortraitRequest, resolve_character
from core.generation.routing import route_image_request
from core.generation.service import GenerationService
from core.models import ExpressionLabel, ExpressionSet, User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SetStarted:
    job_id: str
    labels: tuple[str, ...]


class ExpressionService:
    """One per process, beside the generation service whose providers, limits and heartbeats it shares."""

    def __init__(self, ctx: Context, generation: GenerationService) -> None:
        self.ctx = ctx
        self.generation = generation
        self._tasks: set[asyncio.Task[Any]] = set()
        self._subscription: Subscription | None = None
        self._resuming = asyncio.Lock()

    async def start_set(self, actor: User, character_id: str, *, preset: str | None = None,
                        labels: Sequence[object] | None = None, api_model_id: str | None = None,
                        background: str = "transparent") -> SetStarted:
        """Validate, open the set, start its job; returns at once (the images arrive as events)."""
        wanted = _wanted_labels(preset, labels)
        if background not in BACKGROUNDS:
            raise ValidationError({"background": f"Background must be one of: {', '.join(BACKGROUNDS)}"})
        face = await current_face(self.ctx, actor, character_id)
        await asyncio.to_thread(route_image_request, self.ctx.db, api_model_id=api_model_id, i2i=True)
        set_id = await asyncio.to_thread(store.open_set, self.ctx, actor, character_id, wanted,
                                         source_kind=face.kind, source_url=face.url,
                                         source_portrait_id=face.portrait_id, background=background,
                                         api_model_id=api_model_id)
        job_id = await self._new_set_job(actor, character_id, set_id, wanted)
        await asyncio.to_thread(store.attach_job, self.ctx.db, set_id, job_id)
        self._launch(actor, job_id, set_id, character_id, wanted)
        return SetStarted(job_id, wanted)

    async def regenerate(self, actor: User, character_id: str, label: str) -> SetStarted:
        """One more image for one label of the set, from the set's own face, model and background."""
        label = validate_label(label)
        current = await asyncio.to_thread(store.read_set, self.ctx, actor, character_id)
        if current is None or current.label(label) is None:
            raise NotFound(f"This character has no expression {label!r}")
        return await self.start_set(actor, character_id, labels=[label], api_model_id=current.api_model_id,
                                    background=current.background)

    async def start(self) -> None:
        """Resume interrupted sets now, and whenever a sweep reports a set's job as interrupted."""
        self._subscription = self.ctx.events.subscribe(ALL, self._on_failed)
        await self.resume()

    async def aclose(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def resume(self) -> list[str]:
        """Start a job for every set left unfinished by a stopped process; returns the new job ids."""
        async with self._resuming:
            found = await asyncio.to_thread(store.interrupted_sets, self.ctx.db, jobs.INTERRUPTED)
            started = []
            for set_id, user_id, old_job in found:
                job_id = await self._resume_one(set_id, user_id, old_job)
                if job_id:
                    started.append(job_id)
            return started

    async def _resume_one(self, set_id: str, user_id: str, old_job: str) -> str | None:
        owner, row, missing = await asyncio.to_thread(_resume_state, self.ctx, set_id, user_id)
        if owner is None or row is None or not missing:
            return None
        job_id = await self._new_set_job(owner, row.character_id, set_id, missing, resumed_from=old_job)
        if not await asyncio.to_thread(store.attach_job, self.ctx.db, set_id, job_id, replacing=old_job,
                                       must_replace=True):
            await asyncio.to_thread(jobs.finish_job, self.ctx.db, job_id, "cancelled",
                                    error="Resumed by another process")
            return None
        log.info("resuming expression set %s: %d label(s) left (job %s replaces %s)", set_id, len(missing),
                 job_id, old_job)
        self._launch(owner, job_id, set_id, row.character_id, missing)
        return job_id

    async def _new_set_job(self, actor: User, character_id: str, set_id: str, labels: Sequence[str],
                           resumed_from: str | None = None) -> str:
        metadata: dict[str, Any] = {"set_id": set_id, "labels": list(labels), "total": len(labels), "done": 0}
        if resumed_from:
            metadata["resumed_from"] = resumed_from
        job = await asyncio.to_thread(jobs.create_job, self.ctx.db, actor, character_id=character_id,
                                      api_model_id=None, prompt=f"Expression set: {', '.join(labels)}"[:2000],
                                      metadata=metadata, job_type=jobs.SET_JOB_TYPE)
        return job.id

    def _launch(self, actor: User, job_id: str, set_id: str, character_id: str, labels: Sequence[str]) -> None:
        task = asyncio.create_task(self._run_set(actor, job_id, set_id, character_id, tuple(labels)),
                                   name=f"expression-set-{job_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_set(self, actor: User, job_id: str, set_id: str, character_id: str,
                       labels: tuple[str, ...]) -> None:
        task = asyncio.current_task()
        assert task is not None
        runtime = self.generation.runtime
        with runtime.owned(job_id), self.generation.tracked(job_id, task):
            try:
                await self._run_labels(actor, job_id, set_id, character_id, labels)
            except asyncio.CancelledError:
                await self._end(job_id, character_id, set_id, labels, "cancelled", "Cancelled")
                raise
            except Exception as exc:  # the set could not start: every label says why
                message = exc.message if isinstance(exc, StudioError) else "The expression set failed; see the log"
                if not isinstance(exc, StudioError):
                    log.exception("expression set %s failed", set_id)
                await self._end(job_id, character_id, set_id, labels, "failed", message)
            finally:
                await runtime.job_ended()

    async def _run_labels(self, actor: User, job_id: str, set_id: str, character_id: str,
                          labels: tuple[str, ...]) -> None:
        await asyncio.to_thread(jobs.mark_processing, self.ctx.db, job_id)
        row = await asyncio.to_thread(_set_row, self.ctx, set_id)
        character = await asyncio.to_thread(resolve_character, self.ctx, actor,
                                            PortraitRequest(character_id=character_id))
        face = await face_bytes(self.ctx, actor, row.source_url or "")
        candidates = await asyncio.to_thread(route_image_request, self.ctx.db, api_model_id=row.api_model_id,
                                             i2i=True)
        progress = _SetProgress(self.ctx, job_id, character_id, set_id, len(labels))
        spec = LabelJob(actor=actor, set_id=set_id, set_job_id=job_id, character=character, face=face,
                        candidates=candidates, background=row.background)
        settings = self.ctx.settings
        width = asyncio.Semaphore(max(1, min(settings.max_jobs_per_user, settings.max_jobs_total)))

        async def one(label: str) -> bool:
            async with width:  # no more label jobs waiting at once than could run: no crowd at each slot
                return await run_label(self.ctx, self.generation, spec, label, progress.label_done)

        results = await asyncio.gather(*(one(label) for label in labels), return_exceptions=True)
        failed = [label for label, result in zip(labels, results, strict=True) if result is not True]
        status = "failed" if len(failed) == len(labels) else "completed"
        error = f"{len(failed)} of {len(labels)} expressions failed: {', '.join(failed)}" if failed else None
        await asyncio.to_thread(jobs.finish_job, self.ctx.db, job_id, status, error=error,
                                metadata={"done": len(labels) - len(failed), "failed": failed})
        kind = EventType.JOB_COMPLETED if status == "completed" else EventType.JOB_FAILED
        self.ctx.events.publish(Event(kind, character_id, {"job_id": job_id, "set_id": set_id,
                                                           "error": error, "failed": failed}))

    async def _end(self, job_id: str, character_id: str, set_id: str, labels: tuple[str, ...], status: str,
                   message: str) -> None:
        """The set stopped early: labels not done take the set's outcome, the job records it."""
        with contextlib.suppress(Exception):
            await asyncio.shield(asyncio.to_thread(_close_labels, self.ctx, character_id, set_id, labels,
                                                   status, message))
        await asyncio.shield(asyncio.to_thread(jobs.finish_job, self.ctx.db, job_id, status, error=message))
        self.ctx.events.publish(Event(EventType.JOB_FAILED, character_id, {
            "job_id": job_id, "set_id": set_id, "error": message, "cancelled": status == "cancelled"}))

    async def _on_failed(self, event: Event) -> None:
        if event.type == EventType.JOB_FAILED and event.data.get("interrupted"):
            await self.resume()


class _SetProgress:
    """n of N on the set's job, as its metadata and as ``job.progress`` for whoever follows the job."""

    def __init__(self, ctx: Context, job_id: str, character_id: str, set_id: str, total: int) -> None:
        self.ctx, self.job_id, self.character_id, self.set_id, self.total = ctx, job_id, character_id, set_id, total
        self.done = 0

    async def label_done(self, label: str) -> None:
        self.done += 1
        await asyncio.to_thread(jobs.record_progress, self.ctx.db, self.job_id, {"done": self.done})
        self.ctx.events.publish(Event(EventType.JOB_PROGRESS, self.character_id, {
            "job_id": self.job_id, "stage": "processing", "percent": round(100 * self.done / self.total, 1),
            "done": self.done, "total": self.total, "label": label, "set_id": self.set_id}))


def _wanted_labels(preset: str | None, labels: Sequence[object] | None) -> tuple[str, ...]:
    if preset and labels:
        raise ValidationError({"labels": "Give a preset or labels, not both"})
    if preset:
        return preset_labels(preset)
    if labels is None:
        raise ValidationError({"labels": "Give a preset (essential, sillytavern) or a list of labels"})
    return validate_labels(labels)


def _set_row(ctx: Context, set_id: str) -> ExpressionSet:
    with ctx.db.read() as session:
        row = session.get(ExpressionSet, set_id)
    if row is None:
        raise NotFound("The expression set was deleted")
    return row


def _resume_state(ctx: Context, set_id: str, user_id: str) -> tuple[User | None, ExpressionSet | None, list[str]]:
    with ctx.db.read() as session:
        owner = session.get(User, user_id)
        row = session.get(ExpressionSet, set_id)
        missing = list(session.exec(select(ExpressionLabel.label).where(
            ExpressionLabel.set_id == set_id, col(ExpressionLabel.status).in_(("pending", "generating")))
            .order_by(col(ExpressionLabel.position))))
    if owner is not None and owner.disabled:
        return None, row, []
    return owner, row, missing


def _close_labels(ctx: Context, character_id: str, set_id: str, labels: tuple[str, ...], status: str,
                  message: str) -> None:
    view_labels = {item.label: item.status for item in _labels_of(ctx, set_id)}
    for label in labels:
        if view_labels.get(label) in ("pending", "generating"):
            store.mark_label(ctx, character_id, set_id, label, status, message)


def _labels_of(ctx: Context, set_id: str) -> list[ExpressionLabel]:
    with ctx.db.read() as session:
        return list(session.exec(select(ExpressionLabel).where(ExpressionLabel.set_id == set_id)))
