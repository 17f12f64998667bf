"""The portrait pipeline: the seed's six phases as one service.

1 auth (the caller passes the acting user) -> 2 character (owned id, or inline ``characterData``)
-> 3 model (routing, with fallbacks) -> 4 prompt -> 5 job row and provider call -> 6 persist (gate,
storage, signed URL, portrait row, avatar, events). Any failure marks the job failed with its message
and leaves no portrait and no stored file behind. Concurrency is bounded per user and overall,
counted in the database across processes (:mod:`core.generation.job_runtime`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from core.context import Context
from core.errors import ContentBlocked, GenerationFailed, NotFound, StudioError
from core.events import Event, EventType
from core.generation import jobs
from core.generation.inputs import PortraitRequest, ResolvedCharacter, resolve_character
from core.generation.job_runtime import JobRuntime
from core.generation.persist import (
    discard_portrait,
    download_client,
    fetch_image_bytes,
    store_portrait,
)
from core.generation.progress import ProgressReporter
from core.generation.prompt import build_prompt
from core.generation.provider_setup import ProviderFactory, default_factory
from core.generation.providers.base import GeneratedImage, GenerationRequest, ImageProvider, ProviderError
from core.generation.references import Reference, load_reference, reference_digest
from core.generation.routing import RoutedModel, route_image_request
from core.image_gate import image_limits, stored_file_metadata
from core.models import Job, User
from core.portraits import add_portrait
from core.scenes import update_scene
from storage.base import portrait_key
from storage.images import ImageRejected

log = logging.getLogger(__name__)
POLICY_CODES = {"content_policy_violation", "moderation_blocked", "nsfw", "safety"}


@dataclass
class PortraitResult:
    image_url: str
    job_id: str
    portrait_id: str | None
    generation_time_ms: int
    storage_path: str | None
    thumbnail_url: str | None = None
    model: str | None = None
    timings: dict[str, float] = field(default_factory=dict)


class GenerationService:
    """One per process: the running tasks, their job runtime (heartbeats, slots) and the provider clients."""

    def __init__(self, ctx: Context, provider_factory: ProviderFactory | None = None) -> None:
        self.ctx = ctx
        self._factory = provider_factory or default_factory(ctx.settings, ctx.workers)
        self._providers: dict[str, ImageProvider] = {}
        self.runtime = JobRuntime(ctx)
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self._http: httpx.AsyncClient | None = None

    async def generate_portrait(self, actor: User, request: PortraitRequest,
                                on_job: Callable[[Job], None] | None = None) -> PortraitResult:
        """Run the whole pipeline and return the seed's success fields; StudioError on failure."""
        started = time.perf_counter()
        character = await asyncio.to_thread(resolve_character, self.ctx, actor, request)
        reference = await self._reference(actor, request)
        candidates = await asyncio.to_thread(route_image_request, self.ctx.db, api_model_id=request.api_model_id,
                                             i2i=reference is not None)
        prompt = build_prompt(gender=character.gender, appearance_tags=character.appearance_tags,
                              clothing_tags=character.clothing_tags, appearance_details=character.appearance_details,
                              presets=request.presets,
                              user_prompt=request.prompt_override, i2i=reference is not None)
        job = await asyncio.to_thread(jobs.create_job, self.ctx.db, actor, character_id=character.id,
                                      api_model_id=candidates[0].model.id, prompt=prompt,
                                      metadata=_job_metadata(request, reference))
        if on_job is not None:
            on_job(job)
        current = asyncio.current_task()
        if current is not None:
            self._tasks[job.id] = current
        key = character.id or f"job:{job.id}"
        try:
            with self.runtime.owned(job.id):
                await self.runtime.acquire(job.id, actor.id)
                return await self._run(actor, job, key, character, reference, candidates, prompt, request, started)
        except asyncio.CancelledError:
            await asyncio.to_thread(jobs.finish_job, self.ctx.db, job.id, "cancelled", error="Cancelled")
            self.ctx.events.publish(Event(EventType.JOB_FAILED, key, {"job_id": job.id, "error": "Cancelled",
                                                                      "cancelled": True}))
            raise
        except Exception as exc:
            error = _as_studio_error(exc)
            await asyncio.to_thread(jobs.finish_job, self.ctx.db, job.id, "failed", error=error.message)
            self.ctx.events.publish(Event(EventType.JOB_FAILED, key, {"job_id": job.id, "error": error.message}))
            if error is exc:
                raise
            raise error from exc
        finally:
            self._tasks.pop(job.id, None)
            await self.runtime.job_ended()

    async def cancel_job(self, actor: User, job_id: str) -> Job:
        """Cancel a queued or running job of the actor's; its provider is told where it can be."""
        job = await asyncio.to_thread(jobs.get_job, self.ctx.db, actor, job_id)
        task = self._tasks.get(job_id)
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # the task records its own outcome
                await asyncio.wait_for(asyncio.shield(task), timeout=10)
        elif job.status in jobs.ACTIVE:
            await asyncio.to_thread(jobs.finish_job, self.ctx.db, job_id, "cancelled", error="Cancelled")
        return await asyncio.to_thread(jobs.get_job, self.ctx.db, actor, job_id)

    def running_jobs(self) -> list[str]:
        return list(self._tasks)

    async def start(self) -> None:
        await self.runtime.start()

    async def aclose(self) -> None:
        await self.runtime.stop()
        for provider in self._providers.values():
            await provider.aclose()
        self._providers.clear()
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _run(self, actor: User, job: Job, key: str, character: ResolvedCharacter, reference: Reference | None,
                   candidates: list[RoutedModel], prompt: str, request: PortraitRequest,
                   started: float) -> PortraitResult:
        estimate = await asyncio.to_thread(jobs.estimated_duration_s, self.ctx.db, candidates[0].model.id)
        reporter = ProgressReporter(self.ctx.events, job.id, key, estimate)
        reporter.stage("queued", 0)
        estimates = asyncio.create_task(reporter.run_estimates())
        try:
            provider_started = time.perf_counter()
            routed, image = await self._call_providers(job, candidates, prompt, character, reference, request,
                                                       reporter)
            generation_ms = int((time.perf_counter() - provider_started) * 1000)
        finally:
            estimates.cancel()
        reporter.stage("finalizing", 96)
        persist_started = time.perf_counter()
        data = await self.fetch_bytes(image)
        path_owner = character.id or "temp"
        stored = await store_portrait(self.ctx, data, portrait_key(actor.id, path_owner, job.id), image.url)
        metadata = {
            "model": routed.model.display_name, "model_key": routed.model.model_key,
            "generation_mode": "i2i" if reference is not None else "txt2img", "generation_time_ms": generation_ms,
            "presets": dict(request.presets), "job_id": job.id, "seed": image.seed, "provider": routed.provider.name,
            "width": stored.width, "height": stored.height,
            **stored_file_metadata(stored.storage_path, stored.thumbnail_paths, stored.crc32, stored.size),
        }
        portrait_id = None
        if character.id is not None and request.scene_id:
            try:
                await asyncio.to_thread(update_scene, self.ctx, actor, request.scene_id,
                                        {"image_url": stored.image_url})
            except BaseException:
                await discard_portrait(self.ctx.storage, stored.storage_path)
                raise
        elif character.id is not None:
            try:
                portrait = await asyncio.to_thread(
                    add_portrait, self.ctx, actor, character.id, image_url=stored.image_url,
                    thumbnail_url=stored.thumbnail_url, prompt=prompt, enhanced_prompt=prompt,
                    generation_metadata=metadata)
            except BaseException:
                await discard_portrait(self.ctx.storage, stored.storage_path)
                raise
            portrait_id = portrait.id
        await asyncio.to_thread(jobs.finish_job, self.ctx.db, job.id, "completed", metadata={
            **metadata, "portrait_id": portrait_id, "request_id": image.request_id,
            "api_model_id": routed.model.id})
        self.ctx.events.publish(Event(EventType.JOB_COMPLETED, key, {
            "job_id": job.id, "portrait_id": portrait_id, "image_url": stored.image_url,
            "thumbnail_url": stored.thumbnail_url}))
        total_ms = (time.perf_counter() - started) * 1000
        return PortraitResult(stored.image_url, job.id, portrait_id, generation_ms, stored.storage_path,
                              stored.thumbnail_url, routed.model.display_name,
                              {"total_ms": total_ms, "provider_ms": float(generation_ms),
                               "persist_ms": (time.perf_counter() - persist_started) * 1000})

    async def _call_providers(self, job: Job, candidates: list[RoutedModel], prompt: str,
                              character: ResolvedCharacter, reference: Reference | None, request: PortraitRequest,
                              reporter: ProgressReporter) -> tuple[RoutedModel, GeneratedImage]:
        return await self.call_with_fallbacks(
            job.id, candidates, lambda routed: _generation_request(routed, prompt, character, reference, request),
            reporter)

    async def call_with_fallbacks(self, job_id: str, candidates: list[RoutedModel],
                                  build: Callable[[RoutedModel], GenerationRequest],
                                  reporter: ProgressReporter) -> tuple[RoutedModel, GeneratedImage]:
        """Try the chosen model, then the fallbacks of the same kind, while failures are retryable.

        Public for the other pipelines that make images (expression sets): one place decides fallbacks."""
        for index, routed in enumerate(candidates):
            await asyncio.to_thread(jobs.mark_processing, self.ctx.db, job_id, routed.model.id)
            reporter.stage("processing", message=f"Generating with {routed.model.display_name}")
            try:
                provider = await self.provider_for(routed)
                image = await asyncio.wait_for(provider.generate(build(routed), reporter.report),
                                               timeout=self.ctx.settings.provider_timeout_s + 5)
                return routed, image
            except TimeoutError as exc:
                failure = ProviderError(f"{routed.model.display_name} timed out", retryable=True, code="timeout")
                if index == len(candidates) - 1:
                    raise failure from exc
            except ProviderError as exc:
                if not exc.retryable or index == len(candidates) - 1:
                    raise
                failure = exc
            log.warning("model %s failed (%s); falling back", routed.model.model_key, failure.message)
        raise GenerationFailed("No model could generate the portrait")

    async def fetch_bytes(self, image: GeneratedImage) -> bytes:
        """The provider's image as bytes (given, a data URI, or downloaded through one pooled client)."""
        if self._http is None:
            self._http = await asyncio.to_thread(download_client)  # loading CA certificates takes ~90 ms
        return await fetch_image_bytes(image, image_limits(self.ctx.settings), self.ctx.settings.provider_timeout_s,
                                       self._http)

    @contextlib.contextmanager
    def tracked(self, job_id: str, task: asyncio.Task[Any]) -> Iterator[None]:
        """Let :meth:`cancel_job` find a task that runs a job of another pipeline (an expression set)."""
        self._tasks[job_id] = task
        try:
            yield
        finally:
            self._tasks.pop(job_id, None)

    async def provider_for(self, routed: RoutedModel) -> ImageProvider:
        """One adapter per provider row, reused until an admin edits the row (its key or URL may have
        changed; the old one is closed with the rest); built in a thread (an HTTP client loads CA certificates)."""
        name = f"{routed.provider.id}@{routed.provider.updated_at.isoformat()}"
        if name not in self._providers:
            provider = await asyncio.to_thread(self._factory, routed.provider)
            self._providers.setdefault(name, provider)
            if self._providers[name] is not provider:
                await provider.aclose()  # another job built it meanwhile
        return self._providers[name]

    async def _reference(self, actor: User, request: PortraitRequest) -> Reference | None:
        if not request.reference_image_url:
            return None
        return await load_reference(self.ctx, actor, request.reference_image_url)


def _generation_request(routed: RoutedModel, prompt: str, character: ResolvedCharacter,
                        reference: Reference | None, request: PortraitRequest) -> GenerationRequest:
    width, height = resolution_of(routed.model.capabilities.get("max_resolution"))
    return GenerationRequest(
        prompt=prompt, model_key=routed.model.model_key, input_defaults=dict(routed.model.input_defaults or {}),
        capabilities=dict(routed.model.capabilities or {}), reference_image=reference.data if reference else None,
        seed=request.seed if request.seed is not None else secrets.randbelow(2**31),  # variety, yet reproducible
        width=width, height=height, enable_safety_checker=character.content_rating == "sfw",
        tags=tuple(character.appearance_tags + character.clothing_tags),
    )


def resolution_of(value: Any) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in str(value).lower().split("x"))
        return min(width, 1024), min(height, 1024)
    except ValueError:
        return 1024, 1024


def _job_metadata(request: PortraitRequest, reference: Reference | None) -> dict[str, Any]:
    return {"character_id": request.character_id, "reference_image_url": reference_digest(request.reference_image_url),
            "generation_mode": "i2i" if reference is not None else "txt2img", "presets": dict(request.presets)}


def _as_studio_error(exc: BaseException) -> StudioError:
    if isinstance(exc, StudioError):
        return exc
    if isinstance(exc, ProviderError):
        if exc.code in POLICY_CODES:
            return ContentBlocked(f"The provider refused this prompt: {exc.message}")
        return GenerationFailed(exc.message)
    if isinstance(exc, ImageRejected):
        return GenerationFailed(f"The provider returned an unusable image: {exc.message}")
    if isinstance(exc, NotFound):
        return exc
    log.exception("portrait generation failed unexpectedly", exc_info=exc)
    return GenerationFailed("Portrait generation failed; see the server log")
