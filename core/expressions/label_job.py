"""One label of a set: a job that waits for a slot, generates from the face, stores, records.

Its failure is the label's own: the set carries on with the others, and the label can be retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.context import Context
from core.errors import StudioError
from core.events import Event, EventType
from core.expressions import store
from core.expressions.images import store_expression
from core.expressions.prompt import ExpressionPrompt, build_expression_prompt
from core.expressions.seeds import expression_seed
from core.generation import jobs
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

    routed, image = await generation.call_with_fallbacks(job_id, spec.candidates, build, reporter)
    data = await generation.fetch_bytes(image)
    stored = await store_expression(ctx, spec.actor.id, character_id, data)
    background = _background_used(image, stored.has_alpha, spec.background)
    metadata = {"model": routed.model.display_name, "model_key": routed.model.model_key, "seed": image.seed,
                "job_id": job_id, "prompt": prompt.prompt, "background_asked": spec.background}
    recorded = await asyncio.to_thread(
        store.record_image, ctx, character_id, spec.set_id, label, image_url=stored.image_url,
        thumbnail_url=stored.thumbnail_url, storage_path=stored.key, background=background, origin="generated",
        metadata=metadata, image_id=stored.image_id)
    if recorded is None:  # the label was deleted while it was being made
        await asyncio.to_thread(store.remove_files, ctx, [stored.key])
    await asyncio.to_thread(jobs.finish_job, ctx.db, job_id, "completed", metadata={
        "generation_time_ms": None, "api_model_id": routed.model.id, "image_id": recorded})


def _background_used(image: GeneratedImage, has_alpha: bool, asked: str) -> str:
    """What the image really has: the provider's word when it says, else whether the PNG has alpha."""
    said = image.extra.get("background") if isinstance(image.extra, dict) else None
    if said in ("transparent", "plain"):
        return str(said)
    return "transparent" if asked == "transparent" and has_alpha else "plain"


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
