"""What the HTTP adapters share, so each protocol module holds only its protocol.

One client per adapter (closed by ``aclose`` only when the adapter made it), one deadline per
``generate`` (every HTTP call's timeout is what remains of it, so a hang anywhere ends as a
"timed out" error, never as a stuck job), calls retried through :func:`with_retries`, a best-effort
remote cancel that survives the cancellation it reacts to, de-duplicated progress, and how a model
row's ``capabilities`` / ``input_defaults`` keys shape the provider inputs.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import copy
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

import httpx

from core.generation.providers.base import (
    GeneratedImage,
    GenerationRequest,
    Progress,
    ProgressCallback,
    ProviderError,
)
from core.generation.providers.retry import error_from_exception, error_from_response, parse_json, with_retries

log = logging.getLogger(__name__)

_deadline: ContextVar[float | None] = ContextVar("provider_deadline", default=None)

# Keys that configure the adapter rather than the model; never sent as inputs even when a model row
# keeps them in input_defaults. ``i2i_input`` / ``i2i_strength_key`` are aliases of the seed names.
META_KEYS = frozenset({
    "supports_i2i", "requires_reference", "i2i_image_param", "i2i_input", "i2i_image_is_list",
    "i2i_strength_param", "i2i_strength_key", "i2i_endpoint", "safety_checker", "workflow",
})


@dataclass(frozen=True)
class I2ISpec:
    """Where a model takes its reference image: input name, list or not, strength input, endpoint."""

    param: str
    is_list: bool
    strength_param: str | None
    endpoint: str | None


def _meta(request: GenerationRequest, *names: str) -> Any:
    for source in (request.capabilities, request.input_defaults):
        for name in names:
            if source.get(name) not in (None, ""):
                return source[name]
    return None


def i2i_spec(request: GenerationRequest, *, default_param: str, default_strength: str | None = None,
             default_endpoint: str | None = None) -> I2ISpec:
    """The model row's I2I wiring (capabilities first, then input_defaults), else the protocol's default."""
    param = str(_meta(request, "i2i_image_param", "i2i_input") or default_param)
    is_list = _meta(request, "i2i_image_is_list")
    strength = _meta(request, "i2i_strength_param", "i2i_strength_key") or default_strength
    endpoint = _meta(request, "i2i_endpoint") or default_endpoint
    return I2ISpec(param=param, is_list=bool(is_list) if is_list is not None else param.endswith("s"),
                   strength_param=str(strength) if strength else None,
                   endpoint=str(endpoint) if endpoint else None)


def model_inputs(request: GenerationRequest, spec: I2ISpec, provider: str) -> dict[str, Any]:
    """A copy of the row's input_defaults to build on, minus adapter keys.

    A text-to-image request drops the strength input (it means nothing without a reference) and is
    refused when the model can only edit, before anything is sent.
    """
    inputs = {k: copy.deepcopy(v) for k, v in request.input_defaults.items() if k not in META_KEYS}
    if not request.is_i2i:
        if request.capabilities.get("requires_reference"):
            raise ProviderError(f"{provider}: model {request.model_key} needs a reference image",
                                code="reference_required")
        if spec.strength_param:
            inputs.pop(spec.strength_param, None)
    return inputs


def reference_as_url(request: GenerationRequest) -> str:
    """The reference as something a provider can fetch: its URL, else a data URI of its bytes."""
    if request.reference_image_url:
        return request.reference_image_url
    assert request.reference_image is not None
    return to_data_uri(request.reference_image)


def reference_bytes(request: GenerationRequest, provider: str) -> bytes:
    """The reference's bytes, for protocols that upload the file itself (they cannot fetch a URL)."""
    if request.reference_image is None:
        raise ProviderError(f"{provider}: image-to-image needs the reference image's bytes, not only a URL",
                            code="reference_required")
    return request.reference_image


def sniff_image_type(data: bytes) -> str:
    """The MIME type from the magic bytes (PNG, JPEG, WebP, GIF); PNG when unknown."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return "image/png"


def to_data_uri(data: bytes) -> str:
    return f"data:{sniff_image_type(data)};base64,{base64.b64encode(data).decode('ascii')}"


def decode_base64(text: str, provider: str) -> bytes:
    """Strict base64 (an optional data-URI prefix allowed): a corrupt image is an error, not bytes."""
    if text.startswith("data:"):
        return decode_data_uri(text, provider)[0]
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ProviderError(f"{provider}: malformed response (image is not valid base64)",
                            code="bad_response") from exc
    if not data:
        raise ProviderError(f"{provider}: malformed response (empty image)", code="bad_response")
    return data


def decode_data_uri(uri: str, provider: str) -> tuple[bytes, str | None]:
    """(bytes, content type) of a ``data:`` URI, base64 or percent-encoded."""
    header, sep, payload = uri.partition(",")
    if not header.startswith("data:") or not sep:
        raise ProviderError(f"{provider}: malformed response (bad data URI)", code="bad_response")
    meta = header[5:].split(";")
    content_type = meta[0] or None
    if "base64" in meta[1:]:
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ProviderError(f"{provider}: malformed response (data URI is not valid base64)",
                                code="bad_response") from exc
    else:
        data = unquote_to_bytes(payload)
    if not data:
        raise ProviderError(f"{provider}: malformed response (empty image)", code="bad_response")
    return data, content_type


def image_from_location(location: Any, provider: str, *, content_type: str | None = None,
                        **fields: Any) -> GeneratedImage:
    """A GeneratedImage from an output URL: bytes when it is a data URI, else the URL to download."""
    if not isinstance(location, str) or not location:
        raise ProviderError(f"{provider}: malformed response (no image in the output)", code="bad_response")
    if location.startswith("data:"):
        data, declared = decode_data_uri(location, provider)
        return GeneratedImage(data=data, content_type=declared or content_type or sniff_image_type(data), **fields)
    return GeneratedImage(url=location, content_type=content_type, **fields)


class ProgressReporter:
    """Forwards progress, dropping exact repeats (polls often see no change) and callback failures.

    Progress is advisory: a broken subscriber must not fail a generation that is otherwise fine.
    """

    def __init__(self, callback: ProgressCallback, provider: str) -> None:
        self._callback = callback
        self._provider = provider
        self._last: Progress | None = None

    def __call__(self, progress: Progress) -> None:
        if progress == self._last:
            return
        self._last = progress
        try:
            self._callback(progress)
        except Exception:
            log.exception("%s: progress callback failed", self._provider)


class HttpAdapter:
    """Base of the HTTP adapters: deadline, retried calls, error translation, remote cancel, close."""

    name = "http"
    auth_scheme: str | None = None  # "Key" (fal), "Bearer" (Replicate, OpenAI): sent as "<scheme> <secret>"

    def __init__(self, *, base_url: str, secret: str | None, timeout: float, request_timeout: float | None,
                 attempts: int, base_delay: float, max_delay: float, cancel_timeout: float,
                 client: httpx.AsyncClient | None, auth: httpx.Auth | None = None) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.request_timeout = request_timeout
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.cancel_timeout = cancel_timeout
        self._secrets = (secret,)
        self._auth = auth
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(timeout=httpx.Timeout(timeout))
        self._background: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:  # never the key: adapters end up in logs and tracebacks
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def _headers(self) -> dict[str, str]:
        """Protocol headers plus the key in the protocol's scheme (none when there is no key: local servers)."""
        headers = {"Accept": "application/json"}
        secret = self._secrets[0]
        if self.auth_scheme and secret:
            headers["Authorization"] = f"{self.auth_scheme} {secret}"
        return headers

    async def generate(self, request: GenerationRequest, progress: ProgressCallback) -> GeneratedImage:
        """One image within ``timeout`` seconds overall, or a retryable "timed out" ProviderError."""
        token = _deadline.set(asyncio.get_running_loop().time() + self.timeout)
        try:
            async with asyncio.timeout(self.timeout):
                return await self._generate(request, ProgressReporter(progress, self.name))
        except TimeoutError as exc:
            raise ProviderError(f"{self.name}: timed out after {self.timeout:.3g}s", retryable=True,
                                code="timeout") from exc
        finally:
            _deadline.reset(token)

    async def _generate(self, request: GenerationRequest, report: ProgressReporter) -> GeneratedImage:
        raise NotImplementedError

    def _call_timeout(self) -> float:
        deadline = _deadline.get()
        remaining = self.timeout if deadline is None else deadline - asyncio.get_running_loop().time()
        if self.request_timeout is not None:
            remaining = min(remaining, self.request_timeout)
        return max(remaining, 0.001)

    async def _call(self, method: str, url: str, *, expect_json: bool = True,
                    headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        """One protocol call, retried while its failures are retryable and the deadline allows."""
        async def once() -> Any:
            return await self._send(method, url, expect_json=expect_json, headers=headers, **kwargs)

        return await with_retries(once, attempts=self.attempts, base_delay=self.base_delay,
                                  max_delay=self.max_delay, deadline=_deadline.get())

    async def _send(self, method: str, url: str, *, expect_json: bool, headers: dict[str, str] | None,
                    **kwargs: Any) -> Any:
        timeout = self._call_timeout()
        try:
            response = await self._client.request(
                method, url, headers={**self._headers(), **(headers or {})}, timeout=timeout,
                auth=self._auth or httpx.USE_CLIENT_DEFAULT, **kwargs,
            )
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise error_from_exception(exc, self.name, timeout=timeout, secrets=self._secrets) from exc
        if response.is_error:
            raise self._error(response)
        return parse_json(response, self.name) if expect_json else response

    def _error(self, response: httpx.Response) -> ProviderError:
        """The protocol's error answer as a ProviderError; subclasses refine codes and messages."""
        return error_from_response(response, self.name, secrets=self._secrets)

    async def _cancel_remote(self, method: str, url: str, **kwargs: Any) -> None:
        """Ask the provider to stop a job; best effort, bounded, and it finishes even if re-cancelled.

        Called while a CancelledError propagates: the request runs in its own task under a shield,
        so a second cancellation of the caller does not abort it (the job would keep burning credit).
        """
        async def attempt() -> None:
            try:
                async with asyncio.timeout(self.cancel_timeout):
                    response = await self._client.request(method, url, headers=self._headers(),
                                                          auth=self._auth or httpx.USE_CLIENT_DEFAULT, **kwargs)
                if response.is_error:
                    log.warning("%s: remote cancel answered HTTP %s", self.name, response.status_code)
            except Exception as exc:
                log.warning("%s: remote cancel failed: %s", self.name, type(exc).__name__)

        task = asyncio.create_task(attempt())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        with contextlib.suppress(asyncio.CancelledError):  # cancelled again: the request carries on
            await asyncio.shield(task)

    async def aclose(self) -> None:
        """Let pending remote cancels finish, then close the client if this adapter made it."""
        if self._background:
            await asyncio.wait(set(self._background), timeout=self.cancel_timeout)
        if self._owns_client:
            await self._client.aclose()
