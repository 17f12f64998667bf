"""The offline preview renderer as an image provider: no key, no network.

The drawing itself is :mod:`core.render.portrait`, or :mod:`core.render.expression` when the request
names an expression label (an expression set's sprite); both are pure and deterministic. This adapter
runs them in the context's worker processes (:mod:`core.workers`) and reports where a job waits for a
worker. An expression sprite can have a truly transparent background (``request.transparent``), and
says which background it got in ``extra["background"]``.
"""

from __future__ import annotations

import asyncio

from core.generation.providers.base import GeneratedImage, GenerationRequest, Progress, ProgressCallback, ProviderError
from core.render.expression import render_expression
from core.render.portrait import canvas_size, derive_seed, render_portrait
from core.workers import WorkerCrashed, Workers

MAX_RENDERS = 2  # at most this many renders at once, leaving a worker for uploads


class BuiltinProvider:
    """ImageProvider for the offline renderer, drawing in the context's worker processes.

    The generation service keeps one instance per provider row for every job, so its slots (at most
    ``MAX_RENDERS`` renders at once) and its count of waiting renders give each job its queue position.
    """

    name = "builtin"

    def __init__(self, workers: Workers) -> None:
        self.workers = workers
        self.slots = min(MAX_RENDERS, workers.process_count)
        self._semaphore = asyncio.Semaphore(self.slots)
        self._pending = 0  # renders waiting for or holding a slot

    async def generate(self, request: GenerationRequest, progress: ProgressCallback) -> GeneratedImage:
        """Render in the pool; "processing" is reported once a worker slot is really ours."""
        if request.reference_image is None and request.reference_image_url is not None:
            raise ProviderError("The offline renderer needs the reference image's bytes, not only its URL",
                                code="reference_bytes_required")
        if request.expression is not None and not request.expression.strip():
            raise ProviderError("An expression sprite needs a label", code="invalid_expression")
        seed = request.seed if request.seed is not None else derive_seed(request.prompt, request.tags)
        try:
            strength = float(request.input_defaults.get("strength", 0.6))
        except (TypeError, ValueError):
            strength = 0.6
        width, height = canvas_size(request.width, request.height)
        ahead = self._pending - self.slots
        progress(Progress("queued", percent=0.0, message="Waiting for a render worker",
                          queue_position=ahead + 1 if ahead >= 0 else None))
        self._pending += 1
        try:
            async with self._semaphore:
                progress(Progress("processing", percent=10.0, message="Rendering the offline preview", eta_s=0.2))
                data = await self._render(request, seed, width, height, strength)
        finally:
            self._pending -= 1
        progress(Progress("finalizing", percent=95.0, message="Preview rendered"))
        extra = {"renderer": "builtin", "offline": True, "width": width, "height": height,
                 "mode": "i2i" if request.reference_image is not None else "t2i"}
        if request.expression is not None:
            extra.update(expression=request.expression,
                         background="transparent" if request.transparent else "plain")
        return GeneratedImage(data=data, content_type="image/png", seed=seed, extra=extra)

    async def _render(self, request: GenerationRequest, seed: int, width: int, height: int, strength: float) -> bytes:
        try:
            if request.expression is not None:
                return await self.workers.run(render_expression, request.expression, tuple(request.tags), seed,
                                              request.reference_image, width, height, request.transparent)
            return await self.workers.run(render_portrait, request.prompt, tuple(request.tags), seed,
                                          request.reference_image, width, height, strength)
        except WorkerCrashed:
            raise ProviderError("The offline render worker stopped unexpectedly", retryable=True,
                                code="worker_crashed") from None
        except ValueError as exc:
            raise ProviderError(str(exc), code="invalid_reference") from None

    async def aclose(self) -> None:
        """Nothing to release per instance: the workers belong to the context, which stops them."""
