"""Automatic1111 / Forge web UI API: ``/sdapi/v1/txt2img`` and ``/sdapi/v1/img2img``.

The generation call blocks until the image is done, so real progress comes from polling
``/sdapi/v1/progress`` on a second connection meanwhile. The server runs one job at a time and its
progress and interrupt are server-global: a cancelled job sends ``POST /sdapi/v1/interrupt``, which
stops whatever the web UI is rendering (with one studio per web UI, that is ours).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from typing import Any

import httpx

from core.generation.providers._http import (
    HttpAdapter,
    ProgressReporter,
    decode_base64,
    i2i_spec,
    model_inputs,
    reference_bytes,
    sniff_image_type,
)
from core.generation.providers.base import GeneratedImage, GenerationRequest, Progress, ProviderError
from core.generation.providers.retry import error_from_response

log = logging.getLogger(__name__)


class Automatic1111Provider(HttpAdapter):
    """A local (or proxied) Automatic1111 / Forge; HTTP Basic auth when started with ``--api-auth``."""

    name = "automatic1111"

    def __init__(self, base_url: str = "http://127.0.0.1:7860", *, username: str | None = None,
                 password: str | None = None, timeout: float = 300.0, poll_interval: float = 1.0,
                 request_timeout: float | None = None, attempts: int = 3, base_delay: float = 0.5,
                 max_delay: float = 20.0, cancel_timeout: float = 5.0,
                 client: httpx.AsyncClient | None = None) -> None:
        auth = httpx.BasicAuth(username, password or "") if username else None
        super().__init__(base_url=base_url, secret=password, timeout=timeout, request_timeout=request_timeout,
                         attempts=attempts, base_delay=base_delay, max_delay=max_delay,
                         cancel_timeout=cancel_timeout, client=client, auth=auth)
        self.poll_interval = poll_interval

    def build_payload(self, request: GenerationRequest) -> tuple[str, dict[str, Any]]:
        """(endpoint path, JSON payload): defaults, prompt, size unless the row sets it, seed (-1 = random).

        I2I sends the reference as plain base64 in ``init_images`` with the row's
        ``denoising_strength``; a text-to-image call drops that strength.
        """
        spec = i2i_spec(request, default_param="init_images", default_strength="denoising_strength",
                        default_endpoint="sdapi/v1/img2img")
        payload = model_inputs(request, spec, self.name)
        payload["prompt"] = request.prompt
        if request.negative_prompt:
            payload["negative_prompt"] = request.negative_prompt
        payload.setdefault("width", request.width)
        payload.setdefault("height", request.height)
        payload["seed"] = request.seed if request.seed is not None else payload.get("seed", -1)
        if not request.is_i2i:
            return "sdapi/v1/txt2img", payload
        encoded = base64.b64encode(reference_bytes(request, self.name)).decode("ascii")
        payload[spec.param] = [encoded] if spec.is_list else encoded
        return (spec.endpoint or "sdapi/v1/img2img").strip("/"), payload

    async def _generate(self, request: GenerationRequest, report: ProgressReporter) -> GeneratedImage:
        endpoint, payload = self.build_payload(request)
        report(Progress("queued", message="Sent to the web UI"))
        poller = asyncio.create_task(self._poll_progress(report))
        try:
            body = await self._call("POST", f"{self.base_url}/{endpoint}", json=payload)
        except asyncio.CancelledError:
            await self._cancel_remote("POST", f"{self.base_url}/sdapi/v1/interrupt")
            raise
        except ProviderError as exc:
            if exc.status is None:  # timed out or connection lost: the web UI may still be rendering
                await self._cancel_remote("POST", f"{self.base_url}/sdapi/v1/interrupt")
            raise
        finally:
            poller.cancel()
            await asyncio.wait([poller])
        report(Progress("finalizing", percent=100.0, message="Done"))
        return self._parse_output(body)

    async def _poll_progress(self, report: ProgressReporter) -> None:
        """Poll /progress while the generation call blocks; a failed poll is skipped, never fatal."""
        url = f"{self.base_url}/sdapi/v1/progress"
        while True:
            await asyncio.sleep(self.poll_interval)
            try:
                body = await self._send("GET", url, expect_json=True, headers=None,
                                        params={"skip_current_image": "true"})
            except ProviderError as exc:
                log.debug("automatic1111: progress poll failed: %s", exc.message)
                continue
            progress = self._progress_from(body)
            if progress is not None:
                report(progress)

    @staticmethod
    def _progress_from(body: Any) -> Progress | None:
        """``{"progress": 0.42, "eta_relative": 3.1, "state": {...}}`` -> Progress; None while idle."""
        if not isinstance(body, dict):
            return None
        state = body.get("state") if isinstance(body.get("state"), dict) else {}
        try:
            fraction = float(body.get("progress") or 0.0)
            eta = float(body.get("eta_relative") or 0.0)
        except (TypeError, ValueError):
            return None
        if fraction <= 0 and not state.get("job_count"):
            return None
        step, steps = state.get("sampling_step"), state.get("sampling_steps")
        message = f"Step {step}/{steps}" if isinstance(steps, int) and steps > 0 else "Generating"
        return Progress("processing", percent=round(min(max(fraction, 0.0), 1.0) * 100, 1),
                        message=message, eta_s=eta if eta > 0 else None)

    def _error(self, response: httpx.Response) -> ProviderError:
        if response.status_code == 404:
            return error_from_response(
                response, self.name, secrets=self._secrets,
                message="API endpoint not found (is the web UI started with --api?)")
        return error_from_response(response, self.name, secrets=self._secrets)

    def _parse_output(self, body: Any) -> GeneratedImage:
        """images[0] (base64 PNG, no data-URI prefix) -> bytes; ``info`` (a JSON string) -> seed."""
        images = body.get("images") if isinstance(body, dict) else None
        if not isinstance(images, list) or not images or not isinstance(images[0], str):
            raise ProviderError("automatic1111: malformed response (no images in the answer)", code="bad_response")
        data = decode_base64(images[0], self.name)
        info: Any = body.get("info")
        if isinstance(info, str):
            try:
                info = json.loads(info)
            except ValueError:
                log.warning("automatic1111: the answer's info is not JSON; seed unknown")
                info = None
        seed = info.get("seed") if isinstance(info, dict) else None
        extra = {key: info[key] for key in ("sampler_name", "steps", "cfg_scale") if isinstance(info, dict)
                 and key in info}
        return GeneratedImage(data=data, content_type=sniff_image_type(data),
                              seed=seed if isinstance(seed, int) else None, extra=extra)
