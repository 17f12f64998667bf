"""with_retries and the HTTP-failure classification every adapter relies on."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from core.generation.providers.base import ProviderError
from core.generation.providers.retry import (
    backoff_delay,
    describe_error_body,
    error_from_exception,
    error_from_response,
    is_retryable_status,
    parse_json,
    retry_after_seconds,
    with_retries,
)


class Flaky:
    """Raises the given errors in order, then returns "ok"; counts calls."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def transient(retry_after: float | None = None) -> ProviderError:
    return ProviderError("busy", retryable=True, code="server_error", retry_after=retry_after)


async def test_retryable_errors_are_retried_until_success() -> None:
    call, sleeps = Flaky(transient(), transient()), Sleeps()
    assert await with_retries(call, attempts=3, sleep=sleeps) == "ok"
    assert call.calls == 3 and len(sleeps.delays) == 2


async def test_non_retryable_error_raises_at_once() -> None:
    call, sleeps = Flaky(ProviderError("bad key", retryable=False, code="unauthorized")), Sleeps()
    with pytest.raises(ProviderError, match="bad key"):
        await with_retries(call, attempts=5, sleep=sleeps)
    assert call.calls == 1 and sleeps.delays == []


async def test_other_exceptions_are_never_retried() -> None:
    call = Flaky(ValueError("bug"))
    with pytest.raises(ValueError):
        await with_retries(call, attempts=5, sleep=Sleeps())
    assert call.calls == 1


async def test_attempts_bound_the_calls_and_the_last_error_is_raised() -> None:
    errors = [ProviderError(f"busy {n}", retryable=True) for n in range(5)]
    call = Flaky(*errors)
    with pytest.raises(ProviderError, match="busy 2"):
        await with_retries(call, attempts=3, sleep=Sleeps())
    assert call.calls == 3


async def test_backoff_is_exponential_with_jitter_and_capped() -> None:
    sleeps = Sleeps()
    call = Flaky(*[transient() for _ in range(5)])
    await with_retries(call, attempts=6, base_delay=1.0, max_delay=5.0, sleep=sleeps, rng=lambda: 1.0)
    assert sleeps.delays == [1.0, 2.0, 4.0, 5.0, 5.0]
    low = [backoff_delay(n, base_delay=1.0, max_delay=100, retry_after=None, rng=lambda: 0.0) for n in (1, 2, 3)]
    assert low == [0.5, 1.0, 2.0]  # jitter never goes below half the step


async def test_retry_after_is_honoured_and_bounded_by_max_delay() -> None:
    sleeps = Sleeps()
    await with_retries(Flaky(transient(3.0), transient(90.0)), attempts=3, base_delay=0.1, max_delay=20.0,
                       sleep=sleeps)
    assert sleeps.delays == [3.0, 20.0]


async def test_a_wait_past_the_deadline_raises_instead_of_sleeping() -> None:
    sleeps = Sleeps()
    deadline = asyncio.get_running_loop().time() + 1.0
    with pytest.raises(ProviderError, match="busy"):
        await with_retries(Flaky(transient(5.0)), attempts=3, sleep=sleeps, deadline=deadline)
    assert sleeps.delays == []


async def test_attempts_must_be_positive() -> None:
    with pytest.raises(ValueError):
        await with_retries(Flaky(), attempts=0)


def test_status_classification() -> None:
    assert [s for s in (400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503, 504) if is_retryable_status(s)] == [
        408, 409, 429, 500, 502, 503, 504]


def test_retry_after_header_forms() -> None:
    assert retry_after_seconds(httpx.Headers({"Retry-After": "7"})) == 7.0
    assert retry_after_seconds(httpx.Headers({"retry-after-ms": "250", "Retry-After": "9"})) == 0.25
    assert retry_after_seconds(httpx.Headers({"Retry-After": "soon"})) is None
    assert retry_after_seconds(httpx.Headers({})) is None
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= retry_after_seconds(httpx.Headers({"Retry-After": when})) <= 30  # type: ignore[operator]


def test_error_from_response_uses_the_providers_words_and_flags() -> None:
    throttled = error_from_response(
        httpx.Response(429, json={"title": "Request was throttled.", "detail": "Expected available in 2 seconds."},
                       headers={"Retry-After": "2"}), "replicate")
    assert throttled.retryable and throttled.retry_after == 2.0 and throttled.status == 429
    assert throttled.code == "rate_limited" and "Expected available" in throttled.message

    bad_key = error_from_response(httpx.Response(401, json={"detail": "Invalid key"}), "fal")
    assert not bad_key.retryable and bad_key.code == "unauthorized" and "Invalid key" in bad_key.message

    blocked = error_from_response(httpx.Response(400, json={"error": {
        "message": "Your request was rejected by the safety system.", "type": "image_generation_user_error",
        "param": None, "code": "moderation_blocked"}}), "openai")
    assert blocked.code == "moderation_blocked" and not blocked.retryable

    policy = error_from_response(httpx.Response(422, json={"detail": [
        {"loc": ["body", "prompt"], "msg": "flagged", "type": "content_policy_violation"}]}), "fal")
    assert policy.code == "content_policy_violation" and "prompt: flagged" in policy.message

    down = error_from_response(httpx.Response(503, text="<html>bad gateway</html>"), "fal")
    assert down.retryable and down.code == "server_error" and "bad gateway" in down.message

    typed = error_from_response(httpx.Response(504, json={"detail": "Timed out", "error_type": "request_timeout"}),
                                "fal")
    assert typed.retryable and typed.code == "request_timeout"


def test_error_messages_never_carry_the_key() -> None:
    echoed = httpx.Response(401, json={"detail": "Key sk-secret-123 is not valid"})
    assert "sk-secret-123" not in error_from_response(echoed, "fal", secrets=["sk-secret-123"]).message


def test_a1111_error_shape() -> None:
    message, code = describe_error_body({"error": "OutOfMemoryError", "detail": "", "body": "",
                                         "errors": "CUDA out of memory"})
    assert (message, code) == ("CUDA out of memory", "OutOfMemoryError")


def test_transport_errors() -> None:
    timed_out = error_from_exception(httpx.ReadTimeout("read"), "fal", timeout=2.0)
    assert timed_out.retryable and timed_out.code == "timeout" and "timed out after 2s" in timed_out.message
    refused = error_from_exception(httpx.ConnectError("All connection attempts failed"), "fal")
    assert refused.retryable and refused.code == "connection"
    wrong_scheme = error_from_exception(httpx.UnsupportedProtocol("ftp"), "fal")
    assert not wrong_scheme.retryable


async def test_a_real_refused_connection_is_retryable() -> None:
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError) as caught:
            await client.get("http://127.0.0.1:9/")  # discard port: nothing listens on loopback
    assert error_from_exception(caught.value, "a1111").retryable


def test_malformed_json_is_a_clear_non_retryable_error() -> None:
    with pytest.raises(ProviderError, match="malformed response") as caught:
        parse_json(httpx.Response(200, text="<html>oops</html>"), "replicate")
    assert not caught.value.retryable and caught.value.code == "bad_response"
