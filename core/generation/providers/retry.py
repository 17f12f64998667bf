"""Retries with backoff, and the one translation of HTTP failures into :class:`ProviderError`.

Why here and not in each adapter: every protocol fails in the same few ways (a timeout, a dropped
connection, 429 with a wait hint, a 5xx, a 4xx that will never succeed), and the pipeline reasons
only about ``ProviderError.retryable``. Classifying them in one place keeps the adapters honest
about what they retry: only what the classification calls retryable, never a validation or policy
refusal, and never longer than the caller's deadline.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx

from core.generation.providers.base import ProviderError

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({408, 409, 429})
# Refusals about the content itself: retrying (or blaming the network) would only repeat them.
POLICY_CODES = frozenset({"content_policy_violation", "moderation_blocked", "nsfw"})
_STATUS_CODES = {
    400: "bad_request", 401: "unauthorized", 402: "payment_required", 403: "forbidden", 404: "not_found",
    408: "timeout", 409: "conflict", 413: "too_large", 422: "invalid_input", 429: "rate_limited",
}
_SNIPPET = 300


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    attempts: int = 3,
    base_delay: float = 0.5,
    max_delay: float = 20.0,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    deadline: float | None = None,
    rng: Callable[[], float] = random.random,
) -> T:
    """Await ``call()`` up to ``attempts`` times, retrying only retryable :class:`ProviderError`.

    The wait before retry *n* is the server's ``retry_after`` when it gave one (it knows best when
    capacity returns), else ``base_delay * 2**(n-1)`` with jitter so that many clients throttled at
    once do not come back in lockstep; both are capped by ``max_delay``. ``deadline`` (a
    ``loop.time()`` value) stops retrying early: a wait that would end past it raises the last
    error at once, which is clearer than a timeout that hides why the call kept failing.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except ProviderError as exc:
            if not exc.retryable or attempt >= attempts:
                raise
            delay = backoff_delay(attempt, base_delay=base_delay, max_delay=max_delay,
                                  retry_after=exc.retry_after, rng=rng)
            if deadline is not None and asyncio.get_running_loop().time() + delay >= deadline:
                raise
            log.info("%s; retry %d of %d in %.2fs", exc.message, attempt, attempts - 1, delay)
            await sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover - the loop always returns or raises


def backoff_delay(attempt: int, *, base_delay: float, max_delay: float, retry_after: float | None,
                  rng: Callable[[], float] = random.random) -> float:
    """The wait before retry ``attempt`` (1-based): Retry-After when given, else jittered exponential."""
    if retry_after is not None:
        return max(0.0, min(retry_after, max_delay))
    ceiling = min(max_delay, base_delay * 2 ** (attempt - 1))
    return ceiling * (0.5 + rng() / 2)  # "equal jitter": at least half the step, never more than it


def is_retryable_status(status: int) -> bool:
    """408/409/429 and every 5xx may succeed later; other 4xx answers will not change."""
    return status in RETRYABLE_STATUSES or status >= 500


def status_code_name(status: int) -> str:
    """A stable, provider-independent code for an HTTP status (used when the body names none)."""
    if status >= 500:
        return "server_error"
    return _STATUS_CODES.get(status, f"http_{status}")


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``retry-after-ms`` (OpenAI) or ``Retry-After`` (seconds or HTTP date)."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Replace every secret in ``text``: an error body may echo a header back, a message must not."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def describe_error_body(body: Any) -> tuple[str | None, str | None]:
    """(message, provider code) from the error shapes the supported protocols use.

    ``{"error": {"message", "code", "type"}}`` (OpenAI), ``{"detail": "..."}`` and
    ``{"detail": [{"loc", "msg", "type"}]}`` (fal, FastAPI), problem+json ``{"title", "detail"}``
    (Replicate), ``{"error": "Name", "detail", "errors"}`` (Automatic1111), ``{"error_type"}`` (fal).
    """
    if not isinstance(body, dict):
        return None, None
    error = body.get("error")
    if isinstance(error, dict):
        message = error.get("message")
        code = error.get("code") or error.get("type")
        return (str(message) if message else None), (str(code) if code else None)
    message: str | None = None
    code: str | None = None
    detail = body.get("detail")
    if isinstance(detail, list):
        items = [item for item in detail if isinstance(item, dict)]
        texts = []
        for item in items:
            loc = ".".join(str(part) for part in item.get("loc", []) if part != "body")
            texts.append(f"{loc}: {item.get('msg')}" if loc else str(item.get("msg")))
        message = "; ".join(texts) or None
        types = [str(item.get("type")) for item in items if item.get("type")]
        policy = [t for t in types if t in POLICY_CODES]
        code = (policy or types or [None])[0]
    elif isinstance(detail, str) and detail:
        message = detail
    if isinstance(error, str) and error:
        errors = body.get("errors")
        message = (str(errors) if errors else None) or message or error
        code = code or error
    if message is None:
        for key in ("message", "title"):
            if isinstance(body.get(key), str) and body[key]:
                message = body[key]
                break
    for key in ("error_type", "code"):
        if code is None and isinstance(body.get(key), str) and body[key]:
            code = body[key]
    return message, code


def error_from_response(response: httpx.Response, provider: str, *, message: str | None = None,
                        code: str | None = None, retryable: bool | None = None,
                        secrets: Iterable[str | None] = ()) -> ProviderError:
    """Turn an HTTP error answer into a ProviderError with a readable message and the right flags.

    The message is the provider's own words when the body has them (so a person sees "Invalid API
    key", not "HTTP 401"), the code is the provider's code when it names one, else one derived from
    the status; retryability follows the status unless the code is a content-policy refusal.
    """
    status = response.status_code
    body_message, body_code = describe_error_body(_json_or_none(response))
    text = message or body_message or _snippet(response.text) or response.reason_phrase
    provider_code = code or body_code or status_code_name(status)
    if retryable is None:
        retryable = is_retryable_status(status) and provider_code not in POLICY_CODES
    return ProviderError(
        redact(f"{provider}: HTTP {status}: {text}", secrets),
        retryable=retryable,
        code=provider_code,
        status=status,
        retry_after=retry_after_seconds(response.headers) if retryable else None,
    )


def error_from_exception(exc: Exception, provider: str, *, timeout: float | None = None,
                         secrets: Iterable[str | None] = ()) -> ProviderError:
    """Turn an httpx transport failure into a ProviderError: timeouts and dropped connections retry."""
    after = f" after {timeout:.3g}s" if timeout is not None else ""
    if isinstance(exc, httpx.TimeoutException):
        return ProviderError(f"{provider}: request timed out{after}", retryable=True, code="timeout")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError | httpx.InvalidURL):
        return ProviderError(redact(f"{provider}: bad request or base URL ({exc})", secrets), code="config")
    if isinstance(exc, httpx.TransportError):
        reason = str(exc) or type(exc).__name__
        return ProviderError(redact(f"{provider}: connection failed: {reason}", secrets),
                             retryable=True, code="connection")
    return ProviderError(redact(f"{provider}: {type(exc).__name__}: {exc}", secrets), code="bad_response")


def parse_json(response: httpx.Response, provider: str) -> Any:
    """The body as JSON, or a clear non-retryable error naming what arrived instead."""
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProviderError(
            f"{provider}: malformed response (HTTP {response.status_code}, expected JSON, got "
            f"{_snippet(response.text)!r})",
            code="bad_response", status=response.status_code,
        ) from exc


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SNIPPET else text[:_SNIPPET] + "..."

