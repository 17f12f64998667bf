"""Replicate (https://replicate.com): predictions with ``Prefer: wait``, polling, cancel.

``Prefer: wait=N`` lets a fast model answer in the create call; a slower one comes back
``starting``/``processing`` and is polled at ``urls.get``. Replicate has no progress field, but its
models print tqdm bars into ``logs``; the last one is the real progress. A cancelled job is
``POST urls.cancel``-ed so it stops billing (impossible only while the create call itself is still
waiting, since the prediction id is not known yet).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

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

_TQDM = re.compile(r"(\d{1,3})%\|[^|\n]*\|\s*(\d+)/(\d+)")
_SEED = re.compile(r"(?:using|random)?\s*seed[:=\s]+(\d+)", re.IGNORECASE)
_SIZE_KEYS = ("aspect_ratio", "width", "height", "size", "image_size", "resolution")


def parse_tqdm(logs: str | None) -> tuple[float, int, int] | None:
    """(percent, step, total) from the last tqdm bar in ``logs`` (`` 42%|####  | 21/50``)."""
    if not logs:
        return None
    matches = _TQDM.findall(logs)
    if not matches:
        return None
    percent, step, total = matches[-1]
    return float(percent), int(step), int(total)


class ReplicateProvider(HttpAdapter):
    """Replicate predictions; ``model_key`` is ``owner/name`` or ``owner/name:version``."""

    name = "replicate"
    auth_scheme = "Bearer"

    def __init__(self, api_token: str, *, base_url: str = "https://api.replicate.com", wait_s: int = 60,
                 timeout: float = 120.0, poll_interval: float = 1.0, request_timeout: float | None = None,
                 attempts: int = 3, base_delay: float = 0.5, max_delay: float = 20.0, cancel_timeout: float = 5.0,
                 client: httpx.AsyncClient | None = None) -> None:
        super().__init__(base_url=base_url, secret=api_token, timeout=timeout, request_timeout=request_timeout,
                         attempts=attempts, base_delay=base_delay, max_delay=max_delay,
                         cancel_timeout=cancel_timeout, client=client)
        self.wait_s = wait_s
        self.poll_interval = poll_interval


    def _prefer_wait(self) -> int | None:
        """Seconds to hold the create call: 1..60, and shorter than our own timeout (else we'd time out first)."""
        wait = min(int(self.wait_s), 60, int(self.timeout) - 1)
        return wait if wait >= 1 else None

    def build_input(self, request: GenerationRequest) -> dict[str, Any]:
        """Defaults, then prompt, seed, size (only when the row names none), safety, the reference.

        Size inputs differ per model (``aspect_ratio`` on flux, ``width``/``height`` on SD), so the
        request's width/height are sent only when input_defaults name no size. The model has a
        safety checker when input_defaults carry ``disable_safety_checker`` or capabilities say
        ``safety_checker: true``; it is then disabled unless the request asks for it (SFW) or the
        row pins ``disable_safety_checker: false``. A background-removal model
        (``capabilities.background_removal``) gets its defaults and the image only.
        """
        spec = i2i_spec(request, default_param="image", default_strength="prompt_strength")
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
            inputs["width"], inputs["height"] = request.width, request.height
        if request.seed is not None:
            inputs["seed"] = request.seed
        if "disable_safety_checker" in inputs or request.capabilities.get("safety_checker"):
            pinned_on = inputs.get("disable_safety_checker") is False
            inputs["disable_safety_checker"] = not (request.enable_safety_checker or pinned_on)
        if request.is_i2i:
            reference = reference_as_url(request)
            inputs[spec.param] = [reference] if spec.is_list else reference
        return inputs

    async def _generate(self, request: GenerationRequest, report: ProgressReporter) -> GeneratedImage:
        inputs = self.build_input(request)
        model_key = (i2i_spec(request, default_param="image").endpoint if request.is_i2i else None) or request.model_key
        if ":" in model_key:
            url, body = f"{self.base_url}/v1/predictions", {"version": model_key.split(":", 1)[1], "input": inputs}
        else:
            url, body = f"{self.base_url}/v1/models/{model_key.strip('/')}/predictions", {"input": inputs}
        wait = self._prefer_wait()
        report(Progress("queued", message="Submitting"))
        prediction = self._object(await self._call(
            "POST", url, json=body, headers={"Prefer": f"wait={wait}"} if wait else None))
        prediction_id = str(prediction.get("id") or "")
        urls = prediction.get("urls") if isinstance(prediction.get("urls"), dict) else {}
        get_url = urls.get("get") or f"{self.base_url}/v1/predictions/{prediction_id}"
        cancel_url = urls.get("cancel") or f"{self.base_url}/v1/predictions/{prediction_id}/cancel"
        try:
            while not self._finished(prediction, report):
                await asyncio.sleep(self.poll_interval)
                prediction = self._object(await self._call("GET", get_url))
        except (asyncio.CancelledError, ProviderError):
            # Cancelled, timed out or unreachable while it still runs: stop it so it stops billing.
            if prediction_id and prediction.get("status") in ("starting", "processing"):
                await self._cancel_remote("POST", cancel_url)
            raise
        return self._parse_output(prediction, request)

    def _finished(self, prediction: dict[str, Any], report: ProgressReporter) -> bool:
        """Report progress; True when succeeded, raise when failed or canceled, False to keep polling."""
        status = prediction.get("status")
        if status == "succeeded":
            report(Progress("finalizing", percent=100.0, message="Done"))
            return True
        if status == "failed":
            raise self._failure(prediction)
        if status == "canceled":
            raise ProviderError("replicate: the prediction was canceled", code="canceled")
        if status == "starting":
            report(Progress("queued", message="Starting"))
        elif status == "processing":
            bar = parse_tqdm(prediction.get("logs") if isinstance(prediction.get("logs"), str) else None)
            if bar:
                percent, step, total = bar
                report(Progress("processing", percent=percent, message=f"Step {step}/{total}"))
            else:
                report(Progress("processing", message="Generating"))
        else:
            raise ProviderError(f"replicate: malformed response (unknown status {status!r})", code="bad_response")
        return False

    def _failure(self, prediction: dict[str, Any]) -> ProviderError:
        """``status: failed``: an NSFW detection is a policy refusal; other model errors are not retried."""
        error = prediction.get("error")
        text = (error.get("detail") or error.get("message") if isinstance(error, dict) else error) or "unknown error"
        code = "nsfw" if "nsfw" in str(text).lower() else "prediction_failed"
        return ProviderError(f"replicate: prediction failed: {text}", code=code)

    def _object(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or "status" not in body:
            raise ProviderError("replicate: malformed response (expected a prediction object)", code="bad_response")
        return body

    def _parse_output(self, prediction: dict[str, Any], request: GenerationRequest) -> GeneratedImage:
        """``output`` as a list (first item), one string, or a data URI; the seed from the logs if printed."""
        output = prediction.get("output")
        if isinstance(output, list):
            output = output[0] if output else None
        logs = prediction.get("logs") if isinstance(prediction.get("logs"), str) else ""
        seeds = _SEED.findall(logs or "")
        seed = int(seeds[-1]) if seeds else request.seed
        metrics = prediction.get("metrics") if isinstance(prediction.get("metrics"), dict) else {}
        extra = {"predict_time": metrics["predict_time"]} if "predict_time" in metrics else {}
        return image_from_location(output, self.name, seed=seed, request_id=prediction.get("id"), extra=extra)
