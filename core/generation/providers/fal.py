"""fal (https://fal.ai): the sync endpoint and the queue protocol.

The queue is the default because it is the only way to see real progress (queue position, the
switch to IN_PROGRESS, log lines) and to cancel: a job cancelled here is ``PUT .../cancel``-ed there
so it stops costing. The sync endpoint is one blocking POST, for proxies that only expose it.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

import httpx

from core.generation.providers._http import (
    HttpAdapter,
    ProgressReporter,
    i2i_spec,
    image_from_location,
    model_inputs,
    reference_as_url,
)
from core.generation.providers.base import GeneratedImage, GenerationRequest, Progress, ProviderError
from core.generation.providers.retry import error_from_response

# error_type values (body or X-Fal-Error-Type) that describe the infrastructure, not the request.
RETRYABLE_ERROR_TYPES = frozenset({
    "request_timeout", "startup_timeout", "runner_scheduling_failure", "runner_connection_timeout",
    "runner_disconnected", "runner_connection_refused", "runner_connection_error",
    "runner_incomplete_response", "runner_server_error", "internal_error",
})
_SIZE_KEYS = ("image_size", "aspect_ratio", "width", "height", "resolution")


class FalProvider(HttpAdapter):
    """fal's model API. ``mode="queue"`` polls status with logs; ``mode="sync"`` waits on one POST."""

    name = "fal"
    auth_scheme = "Key"

    def __init__(self, api_key: str, *, run_base: str = "https://fal.run", queue_base: str = "https://queue.fal.run",
                 mode: Literal["queue", "sync"] = "queue", timeout: float = 120.0, poll_interval: float = 0.5,
                 request_timeout: float | None = None, attempts: int = 3, base_delay: float = 0.5,
                 max_delay: float = 20.0, cancel_timeout: float = 5.0,
                 client: httpx.AsyncClient | None = None) -> None:
        if mode not in ("queue", "sync"):
            raise ValueError(f"fal mode must be 'queue' or 'sync', not {mode!r}")
        super().__init__(base_url=queue_base if mode == "queue" else run_base, secret=api_key, timeout=timeout,
                         request_timeout=request_timeout, attempts=attempts, base_delay=base_delay,
                         max_delay=max_delay, cancel_timeout=cancel_timeout, client=client)
        self.run_base = run_base.rstrip("/")
        self.queue_base = queue_base.rstrip("/")
        self.mode = mode
        self.poll_interval = poll_interval


    def build_input(self, request: GenerationRequest) -> dict[str, Any]:
        """The model's input: its defaults, then prompt, size, seed, safety and the reference.

        A size in input_defaults (``image_size: "portrait_4_3"``, ``aspect_ratio``) wins over the
        request's width/height, because the model row knows which sizes the model is good at. The safety
        checker is on when the request asks (SFW) or the model row turns it on. A background-removal
        model (``capabilities.background_removal``, BiRefNet) gets its defaults and the image only.
        """
        spec = i2i_spec(request, default_param="image_url", default_strength="strength")
        inputs = model_inputs(request, spec, self.name)
        if request.capabilities.get("background_removal"):  # image in, image out: no prompt, size or seed
            if not request.is_i2i:
                raise ProviderError(f"{self.name}: background removal needs an image", code="reference_required")
            reference = reference_as_url(request)
            inputs[spec.param] = [reference] if spec.is_list else reference
            return inputs
        inputs["prompt"] = request.prompt
        if request.negative_prompt:
            inputs["negative_prompt"] = request.negative_prompt
        if not any(key in inputs for key in _SIZE_KEYS):
            inputs["image_size"] = {"width": request.width, "height": request.height}
        if request.seed is not None:
            inputs["seed"] = request.seed
        inputs["enable_safety_checker"] = bool(request.enable_safety_checker or inputs.get("enable_safety_checker"))
        if request.is_i2i:
            reference = reference_as_url(request)
            inputs[spec.param] = [reference] if spec.is_list else reference
        return inputs

    def _model_path(self, request: GenerationRequest) -> str:
        endpoint = i2i_spec(request, default_param="image_url").endpoint if request.is_i2i else None
        return (endpoint or request.model_key).strip("/")

    async def _generate(self, request: GenerationRequest, report: ProgressReporter) -> GeneratedImage:
        inputs = self.build_input(request)
        model = self._model_path(request)
        if self.mode == "sync":
            report(Progress("processing", message="Generating"))
            body = await self._call("POST", f"{self.run_base}/{model}", json=inputs)
            request_id = None
        else:
            body, request_id = await self._run_queued(model, inputs, report)
        return self._parse_output(body, inputs, request_id)

    async def _run_queued(self, model: str, inputs: dict[str, Any],
                          report: ProgressReporter) -> tuple[dict[str, Any], str]:
        """Submit, poll status with logs until COMPLETED, fetch the result; PUT cancel if we stop waiting."""
        submitted = self._object(await self._call("POST", f"{self.queue_base}/{model}", json=inputs))
        request_id = submitted.get("request_id")
        if not isinstance(request_id, str) or not request_id:
            raise ProviderError("fal: malformed response (queue submit without request_id)", code="bad_response")
        # Status/result URLs drop the model's sub-path: use the ones fal gives, derive only as a fallback.
        app = "/".join(model.split("/")[:2])
        fallback = f"{self.queue_base}/{app}/requests/{request_id}"
        status_url = submitted.get("status_url") or f"{fallback}/status"
        response_url = submitted.get("response_url") or fallback
        cancel_url = submitted.get("cancel_url") or f"{fallback}/cancel"
        report(Progress("queued", queue_position=submitted.get("queue_position"), message="Submitted"))
        try:
            final = await self._poll(status_url, report)
        except (asyncio.CancelledError, ProviderError):
            # Cancelled, timed out or unreachable: we stop waiting, so fal should stop working.
            await self._cancel_remote("PUT", cancel_url)
            raise
        if final.get("error"):
            raise self._job_error(final)
        report(Progress("finalizing", message="Fetching the result"))
        return self._object(await self._call("GET", response_url)), request_id

    async def _poll(self, status_url: str, report: ProgressReporter) -> dict[str, Any]:
        """Poll until COMPLETED (returned as is, error or not), reporting queue position and new logs."""
        seen_logs = 0
        last_message: str | None = None
        while True:
            status = self._object(await self._call("GET", status_url, params={"logs": "1"}))
            state = status.get("status")
            if state == "IN_QUEUE":
                position = status.get("queue_position")
                text = f"In queue (position {position})" if position is not None else "In queue"
                report(Progress("queued", queue_position=position, message=text))
            elif state == "IN_PROGRESS":
                logs = [entry for entry in status.get("logs") or [] if isinstance(entry, dict)]
                fresh = [str(entry.get("message")) for entry in logs[seen_logs:] if entry.get("message")]
                seen_logs = max(seen_logs, len(logs))
                last_message = fresh[-1] if fresh else last_message
                report(Progress("processing", message=last_message or "Generating"))
            elif state == "COMPLETED":
                return status
            else:
                raise ProviderError(f"fal: malformed response (unknown queue status {state!r})", code="bad_response")
            await asyncio.sleep(self.poll_interval)

    def _job_error(self, status: dict[str, Any]) -> ProviderError:
        error_type = status.get("error_type")
        code = str(error_type) if error_type else "generation_failed"
        return ProviderError(f"fal: generation failed: {status.get('error')}",
                             retryable=code in RETRYABLE_ERROR_TYPES, code=code)

    def _error(self, response: httpx.Response) -> ProviderError:
        error = error_from_response(response, self.name, code=response.headers.get("x-fal-error-type") or None,
                                    secrets=self._secrets)
        if error.code in RETRYABLE_ERROR_TYPES and not error.retryable:
            error.retryable = True
        return error

    def _object(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ProviderError("fal: malformed response (expected a JSON object)", code="bad_response")
        return body

    def _parse_output(self, body: dict[str, Any], inputs: dict[str, Any], request_id: str | None) -> GeneratedImage:
        """images[0] (a URL or, with sync_mode, a data URI), seed, and the NSFW verdict.

        When the safety checker was on and flagged the image, fal returns a blanked image; that is a
        policy refusal (code ``nsfw``), like Replicate's, not a portrait to keep.
        """
        images = body.get("images")
        if not isinstance(images, list) and isinstance(body.get("image"), dict):
            images = [body["image"]]
        if not isinstance(images, list) or not images or not isinstance(images[0], dict):
            raise ProviderError("fal: malformed response (no images in the result)", code="bad_response")
        first = images[0]
        flags = body.get("has_nsfw_concepts")
        nsfw = any(bool(flag) for flag in flags) if isinstance(flags, list) else None
        if nsfw and inputs.get("enable_safety_checker"):
            raise ProviderError("fal: the safety checker flagged the image as NSFW", code="nsfw")
        seed = body.get("seed")
        extra = {key: body[key] for key in ("timings",) if key in body}
        extra.update({key: first[key] for key in ("width", "height") if key in first})
        content_type = first.get("content_type")
        return image_from_location(first.get("url"), self.name,
                                   content_type=content_type if isinstance(content_type, str) else None,
                                   seed=seed if isinstance(seed, int) else None, request_id=request_id,
                                   nsfw_detected=nsfw, extra=extra)
