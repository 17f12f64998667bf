"""OpenAI-compatible image APIs: ``/images/generations`` (JSON) and ``/images/edits`` (multipart).

Works with OpenAI and with servers that copy its shape (LocalAI, proxies), hence the configurable
base URL and an optional key. The protocol has no progress and no job to cancel: progress is the
stage only (the pipeline estimates a percentage from recent generation times), and cancelling
simply drops the connection.
"""

from __future__ import annotations

import json
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

_FORMATS = {"png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg", "webp": "image/webp"}


def _form_value(value: Any) -> str:
    """Multipart fields are text: booleans as JSON words, structures as JSON."""
    if isinstance(value, bool | dict | list):
        return json.dumps(value)
    return str(value)


class OpenAIImagesProvider(HttpAdapter):
    """Image generation and editing over the OpenAI images API; ``model_key`` is sent as ``model``."""

    name = "openai"
    auth_scheme = "Bearer"

    def __init__(self, api_key: str | None, *, base_url: str = "https://api.openai.com/v1", timeout: float = 120.0,
                 request_timeout: float | None = None, attempts: int = 3, base_delay: float = 0.5,
                 max_delay: float = 20.0, client: httpx.AsyncClient | None = None) -> None:
        super().__init__(base_url=base_url, secret=api_key, timeout=timeout, request_timeout=request_timeout,
                         attempts=attempts, base_delay=base_delay, max_delay=max_delay, cancel_timeout=1.0,
                         client=client)


    def build_params(self, request: GenerationRequest) -> dict[str, Any]:
        """Defaults, then model, prompt, n=1 and size; a ``size`` in input_defaults wins (the API
        accepts only a few sizes per model, and the row knows which)."""
        spec = i2i_spec(request, default_param="image")
        params = model_inputs(request, spec, self.name)
        params["model"] = request.model_key
        params["prompt"] = request.prompt
        params.setdefault("n", 1)
        params.setdefault("size", f"{request.width}x{request.height}")
        return params

    async def _generate(self, request: GenerationRequest, report: ProgressReporter) -> GeneratedImage:
        params = self.build_params(request)
        report(Progress("processing", message="Generating"))
        if request.is_i2i:
            spec = i2i_spec(request, default_param="image")
            endpoint = (spec.endpoint or "images/edits").strip("/")
            image = reference_bytes(request, self.name)
            content_type = sniff_image_type(image)
            filename = "reference." + content_type.split("/")[1]
            field = f"{spec.param}[]" if spec.is_list and not spec.param.endswith("[]") else spec.param
            body = await self._call(
                "POST", f"{self.base_url}/{endpoint}",
                data={key: _form_value(value) for key, value in params.items()},
                files=[(field, (filename, image, content_type))],
            )
        else:
            body = await self._call("POST", f"{self.base_url}/images/generations", json=params)
        return self._parse_output(body, params)

    def _parse_output(self, body: Any, params: dict[str, Any]) -> GeneratedImage:
        """``data[0]``: ``b64_json`` (gpt-image, always) becomes bytes; ``url`` (dall-e) is downloaded later."""
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list) or not data or not isinstance(data[0], dict):
            raise ProviderError("openai: malformed response (no data[0] in the answer)", code="bad_response")
        first = data[0]
        extra = {"revised_prompt": first["revised_prompt"]} if first.get("revised_prompt") else {}
        declared = _FORMATS.get(str(body.get("output_format") or params.get("output_format") or "").lower())
        if isinstance(first.get("b64_json"), str) and first["b64_json"]:
            image = decode_base64(first["b64_json"], self.name)
            return GeneratedImage(data=image, content_type=sniff_image_type(image), extra=extra)
        if isinstance(first.get("url"), str) and first["url"]:
            return GeneratedImage(url=first["url"], content_type=declared, extra=extra)
        raise ProviderError("openai: malformed response (data[0] has neither b64_json nor url)", code="bad_response")
