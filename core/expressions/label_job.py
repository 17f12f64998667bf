"""One label of a set: a job that waits for a slot, generates from the face, stores, records.

Its failure is the label's own: the set carries on with the others, and the label can be retried.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from core.context import Context
from core.errors import StudioError
from core.events import Event, EventType
from core.expressions import store
from core.expressions.images import store_expression
from core.expressions.prompt import ExpressionPrompt, build_expression_prompt
from core.expressions.seeds import expression_seed
from core.generation import jobs
from core.generation.background_removal import remove_background
from core.generation.inputs import ResolvedCharacter
from core.generation.progress import ProgressReporter
from core.generation.providers.base import GeneratedImage, GenerationRequest, ProviderError
from core.generation.routing import RoutedModel
from core.generation.service import GenerationService, resolution_of
from core.models import User
from storage.images import ImageRejected

log = logging.getLogger(__name__)
LABEL_JOB_TYPE = "expression"


@dataclass(frozen=True)
class LabelJob:
    """What every label of one set run shares."""

    actor: User
    set_id: str
    set_job_id: str
    character: ResolvedCharacter
    face: bytes
    candidates: list[RoutedModel]
    background: str


async def run_label(ctx: Context, generation: GenerationService, spec: LabelJob, label: str,
                    on_done: Callable[[str], Awaitable[None]]) -> bool:
    """Make one expression image; True when it is stored, False when it failed (recorded on the label)."""
    character_id = spec.character.id or ""
    prompt = build_expression_prompt(spec.character, label, spec.background)
    job = await asyncio.to_thread(jobs.create_job, ctx.db, spec.actor, character_id=character_id,
                                  api_model_id=spec.candidates[0].model.id, prompt=prompt.prompt,
                                  metadata={"set_id": spec.set_id, "set_job_id": spec.set_job_id, "label": label},
                                  job_type=LABEL_JOB_TYPE)
    runtime = generation.runtime
    try:
        with runtime.owned(job.id):
            await runtime.acquire(job.id, spec.actor.id)
            await asyncio.to_thread(store.mark_label, ctx, character_id, spec.set_id, label, "generating")
            await _generate(ctx, generation, spec, label, prompt, job.id)
        ctx.events.publish(Event(EventType.JOB_COMPLETED, character_id, {"job_id": job.id, "label": label}))
        await on_done(label)
        return True
    except asyncio.CancelledError:
        await asyncio.shield(_record_end(ctx, spec, label, job.id, "cancelled", "Cancelled"))
        raise
    except Exception as exc:
        await _record_end(ctx, spec, label, job.id, "failed", _message(exc))
        return False
    finally:
        await runtime.job_ended()


async def _generate(ctx: Context, generation: GenerationService, spec: LabelJob, label: str,
                    prompt: ExpressionPrompt, job_id: str) -> None:
    character_id = spec.character.id or ""
    estimate = await asyncio.to_thread(jobs.estimated_duration_s, ctx.db, spec.candidates[0].model.id)
    reporter = ProgressReporter(ctx.events, job_id, character_id, estimate)
    seed = expression_seed(spec.set_id, label)

    def build(routed: RoutedModel) -> GenerationRequest:
        width, height = resolution_of(routed.model.capabilities.get("max_resolution"))
        return GenerationRequest(
            prompt=prompt.prompt, model_key=routed.model.model_key,
            input_defaults=dict(routed.model.input_defaults or {}), capabilities=dict(routed.model.capabilities or {}),
            reference_image=spec.face, seed=seed, width=width, height=height,
            enable_safety_checker=prompt.enable_safety_checker,
            tags=tuple(spec.character.appearance_tags + spec.character.clothing_tags),
            expression=label, transparent=spec.background == "transparent")

    started = time.perf_counter()
    routed, image = await generation.call_with_fallbacks(job_id, spec.candidates, build, reporter)
    data = await generation.fetch_bytes(image)
    generation_ms = int((time.perf_counter() - started) * 1000)
    metadata: dict[str, Any] = {"model": routed.model.display_name, "model_key": routed.model.model_key,
                                "seed": image.seed, "job_id": job_id, "prompt": prompt.prompt,
                                "background_asked": spec.background}
    if spec.background == "transparent" and image.extra.get("background") != "transparent":
        data = await _cut_out(ctx, generation, data, metadata)
    stored = await store_expression(ctx, spec.actor.id, character_id, data)
    background = _background_used(image, stored.has_alpha, spec.background, metadata)
    recorded = await asyncio.to_thread(
        store.record_image, ctx, character_id, spec.set_id, label, image_url=stored.image_url,
        thumbnail_url=stored.thumbnail_url, storage_path=stored.key, background=background, origin="generated",
        metadata=metadata, image_id=stored.image_id)
    if recorded is None:  # the label was deleted while it was being made
        await asyncio.to_thread(store.remove_files, ctx, [stored.key])
    await asyncio.to_thread(jobs.finish_job, ctx.db, job_id, "completed", metadata={
        "generation_time_ms": generation_ms, "api_model_id": routed.model.id, "image_id": recorded})


async def _cut_out(ctx: Context, generation: GenerationService, data: bytes, metadata: dict[str, Any]) -> bytes:
    """Transparent was asked of a provider that paints a background: a remover cuts it out when one is
    active. A failed removal keeps the sprite on its plain background (said in the metadata), rather
    than losing an image that was made."""
    try:
        removed = await remove_background(ctx.db, generation.provider_for, data,
                                          timeout_s=ctx.settings.provider_timeout_s, fetch=generation.fetch_bytes)
    except ProviderError as exc:
        log.warning("background removal failed (%s); keeping the plain background", exc.message)
        metadata["background_removal_error"] = exc.message[:300]
        return data
    if removed is None:
        return data
    metadata["background_removed_by"] = removed.model.model.display_name
    return removed.data


def _background_used(image: GeneratedImage, has_alpha: bool, asked: str, metadata: dict[str, Any]) -> str:
    """What the image really has: the provider's word when it says, a remover's cut-out, else plain."""
    said = image.extra.get("background") if isinstance(image.extra, dict) else None
    if said in ("transparent", "plain"):
        return str(said)
    cut = "background_removed_by" in metadata
    return "transparent" if asked == "transparent" and has_alpha and cut else "plain"


async def _record_end(ctx: Context, spec: LabelJob, label: str, job_id: str, status: str, message: str) -> None:
    character_id = spec.character.id or ""
    await asyncio.to_thread(jobs.finish_job, ctx.db, job_id, status, error=message)
    await asyncio.to_thread(store.mark_label, ctx, character_id, spec.set_id, label, status, message)
    ctx.events.publish(Event(EventType.JOB_FAILED, character_id, {"job_id": job_id, "label": label,
                                                                 "error": message}))


def _message(exc: BaseException) -> str:
    if isinstance(exc, StudioError | ProviderError | ImageRejected):
        return str(getattr(exc, "message", exc))
    log.exception("an expression failed unexpectedly", exc_info=exc)
    return "This expression failed; see the server log"
