"""Test connection and Discover models: one real, cheap call per kind, and its failure in plain words.

The adapters retry and fold failures into one error type for the generation pipeline; an admin
testing a connection wants the opposite: one attempt, a short timeout, and the exact reason (the key
was refused, the host is unreachable, TLS failed, the server timed out, it is not that kind of server).
The calls (PROTOCOLS.md): openai ``GET {base}/models``; comfyui ``GET /system_stats`` and, to discover,
``GET /object_info/CheckpointLoaderSimple``; automatic1111 ``GET /sdapi/v1/sd-models``; replicate
``GET /v1/account``; fal the status of a request id that cannot exist (``GET {queue}/fal-ai/flux/
requests/<zero uuid>/status``): it costs nothing, a bad key answers 401, a good one 404.
The key is sent only in its protocol's header and never appears in a message.
"""

from __future__ import annotations

import errno
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from core.generation.providers.retry import describe_error_body, redact

CHECK_TIMEOUT_S = 10.0
DEFAULT_BASES = {"fal": "https://queue.fal.run", "replicate": "https://api.replicate.com",
                 "openai": "https://api.openai.com/v1", "automatic1111": "http://127.0.0.1:7860",
                 "comfyui": "http://127.0.0.1:8188"}
DISCOVERABLE = ("openai", "comfyui")
_FAL_PROBE = "fal-ai/flux/requests/00000000-0000-0000-0000-000000000000/status"


class CheckFailed(Exception):
    """The call failed; ``message`` says why in a sentence an admin can act on."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str
    code: str = "ok"
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Endpoint:
    """Where and how to call one provider (the resolved base URL and key)."""

    kind: str
    base_url: str | None
    api_key: str

    @property
    def base(self) -> str:
        return (self.base_url or DEFAULT_BASES.get(self.kind, "")).rstrip("/")

    def headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.api_key and self.kind in ("openai", "replicate"):
            headers["Authorization"] = f"Bearer {self.api_key}"
        elif self.api_key and self.kind == "fal":
            headers["Authorization"] = f"Key {self.api_key}"
        return headers

    def auth(self) -> httpx.BasicAuth | None:
        if self.kind == "automatic1111" and ":" in self.api_key:
            user, password = self.api_key.split(":", 1)
            return httpx.BasicAuth(user, password)
        return None


async def check_connection(endpoint: Endpoint, *, limit_s: float = CHECK_TIMEOUT_S) -> CheckResult:
    """One cheap call; ``ok`` with what the server said, else the reason it failed."""
    if endpoint.kind == "builtin":
        return CheckResult(True, "The built-in renderer runs in this process: there is nothing to connect to.")
    probe = _PROBES.get(endpoint.kind)
    if probe is None:
        return CheckResult(False, f"Unknown provider kind {endpoint.kind!r}", "config")
    path, summarise, accept = probe
    try:
        status, body = await _get(endpoint, path, limit_s, accept=accept)
        message, details = summarise(status, body)
        return CheckResult(True, message, details=details)
    except CheckFailed as exc:
        return CheckResult(False, exc.message, exc.code)


async def discover_models(endpoint: Endpoint, *, limit_s: float = CHECK_TIMEOUT_S) -> list[str]:
    """What the server offers: an OpenAI-compatible server's model ids, a ComfyUI's checkpoints."""
    if endpoint.kind == "openai":
        _, body = await _get(endpoint, "models", limit_s)
        items = body.get("data") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise CheckFailed(f"{endpoint.base}/models answered without a 'data' list of models", "bad_response")
        return sorted({str(m["id"]) for m in items if isinstance(m, dict) and m.get("id")})
    if endpoint.kind == "comfyui":
        _, body = await _get(endpoint, "object_info/CheckpointLoaderSimple", limit_s)
        try:
            names = body["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0]
        except (KeyError, IndexError, TypeError) as exc:
            raise CheckFailed("ComfyUI answered, but lists no checkpoints (no CheckpointLoaderSimple node?)",
                              "bad_response") from exc
        return [str(name) for name in names if isinstance(name, str)]
    raise CheckFailed(f"Discover models works for {' and '.join(DISCOVERABLE)} providers, not {endpoint.kind}",
                      "not_supported")


async def _get(endpoint: Endpoint, path: str, limit_s: float, accept: tuple[int, ...] = ()) -> tuple[int, Any]:
    url = f"{endpoint.base}/{path}"
    secrets = (endpoint.api_key,)
    if not endpoint.base.startswith(("http://", "https://")):
        raise CheckFailed(f"The base URL {endpoint.base!r} must start with http:// or https://", "config")
    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(limit_s)) as client:
            response = await client.get(url, headers=endpoint.headers(),
                                        auth=endpoint.auth() or httpx.USE_CLIENT_DEFAULT)
    except httpx.TimeoutException as exc:
        raise CheckFailed(f"No answer from {endpoint.base} within {limit_s:g} s ({type(exc).__name__})",
                          "timeout") from exc
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise CheckFailed(redact(f"The base URL {endpoint.base!r} is not usable: {exc}", secrets), "config") from exc
    except httpx.TransportError as exc:
        raise _transport_failure(endpoint, exc) from exc
    if response.status_code in accept:
        return response.status_code, _json(response)
    if response.status_code in (401, 403):
        raise CheckFailed(redact(f"{endpoint.base} refused the credentials (HTTP {response.status_code}: "
                                 f"{_said(response)}). Check the API key.", secrets), "bad_key")
    if response.is_error:
        raise CheckFailed(redact(f"{url} answered HTTP {response.status_code}: {_said(response)}", secrets),
                          "http_error")
    body = _json(response)
    if body is None:
        raise CheckFailed(f"{url} answered, but not with JSON: is this a {endpoint.kind} server?", "bad_response")
    return response.status_code, body


def _transport_failure(endpoint: Endpoint, exc: httpx.TransportError) -> CheckFailed:
    reason = str(exc) or type(exc).__name__
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, ssl.SSLError):
        cause = cause.__cause__ or cause.__context__
    if cause is not None or "SSL" in reason or "certificate" in reason.lower():
        return CheckFailed(redact(f"TLS failed with {endpoint.base}: {cause or reason}", (endpoint.api_key,)), "tls")
    return CheckFailed(redact(f"Cannot reach {endpoint.base}: {_os_reason(exc) or reason}", (endpoint.api_key,)),
                       "unreachable")


def _os_reason(exc: BaseException) -> str | None:
    """The operating system's words (``connection refused``) under httpx's "All connection attempts failed"."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno is not None:
            if seen.errno == errno.ECONNREFUSED:
                return "connection refused (is the server running, and on that port?)"
            return seen.strerror or str(seen)
        for inner in getattr(seen, "exceptions", ()):  # an ExceptionGroup of attempts
            found = _os_reason(inner)
            if found:
                return found
        seen = seen.__cause__ or seen.__context__
    return None


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _said(response: httpx.Response) -> str:
    message, _ = describe_error_body(_json(response))
    return message or response.text.strip()[:200] or response.reason_phrase


def _openai(_status: int, body: Any) -> tuple[str, dict[str, Any]]:
    items = body.get("data") if isinstance(body, dict) else None
    count = len(items) if isinstance(items, list) else 0
    return f"Connected: the server lists {count} model{'s' * (count != 1)}.", {"models": count}


def _comfyui(_status: int, body: Any) -> tuple[str, dict[str, Any]]:
    system = body.get("system") if isinstance(body, dict) else None
    version = system.get("comfyui_version") if isinstance(system, dict) else None
    if not isinstance(system, dict):
        raise CheckFailed("The server answered /system_stats without a 'system' object: is this ComfyUI?",
                          "bad_response")
    return f"Connected to ComfyUI {version or '(version not given)'}.", {"version": version}


def _a1111(_status: int, body: Any) -> tuple[str, dict[str, Any]]:
    count = len(body) if isinstance(body, list) else 0
    return f"Connected: {count} Stable Diffusion checkpoint{'s' * (count != 1)} available.", {"checkpoints": count}


def _replicate(_status: int, body: Any) -> tuple[str, dict[str, Any]]:
    user = body.get("username") if isinstance(body, dict) else None
    return f"Connected to Replicate as {user or 'an account'}.", {"username": user}


def _fal(_status: int, _body: Any) -> tuple[str, dict[str, Any]]:
    return "Connected: fal accepted the key.", {}


_PROBES: dict[str, tuple[str, Callable[[int, Any], tuple[str, dict[str, Any]]], tuple[int, ...]]] = {
    "openai": ("models", _openai, ()),
    "comfyui": ("system_stats", _comfyui, ()),
    "automatic1111": ("sdapi/v1/sd-models", _a1111, ()),
    "replicate": ("v1/account", _replicate, ()),
    "fal": (_FAL_PROBE, _fal, (404,)),  # an unknown request id: the key was accepted
}
