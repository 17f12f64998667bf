"""OpenAIImagesProvider against a loopback server speaking the OpenAI images API."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.generation.providers.base import GenerationRequest, ProviderError
from core.generation.providers.openai_images import OpenAIImagesProvider
from tests.support.provider_servers import LoopbackServer, ProgressLog, png_bytes, reply, running_server, sequence

KEY = "sk-test-0123456789abcdef"
GENERATIONS = "/v1/images/generations"
EDITS = "/v1/images/edits"


@pytest.fixture
async def server() -> AsyncIterator[LoopbackServer]:
    async with running_server() as running:
        yield running


def make(server: LoopbackServer, key: str | None = KEY, **options: Any) -> OpenAIImagesProvider:
    settings: dict[str, Any] = {"timeout": 5.0, "base_delay": 0.005, "max_delay": 0.05}
    settings.update(options)
    return OpenAIImagesProvider(key, base_url=f"{server.url}/v1", **settings)


def request(**fields: Any) -> GenerationRequest:
    values: dict[str, Any] = {
        "prompt": "portrait of a bard", "model_key": "gpt-image-1",
        "capabilities": {"supports_i2i": True, "i2i_endpoint": "images/edits", "i2i_image_param": "image"},
        "input_defaults": {"size": "1024x1536", "quality": "medium", "n": 1, "output_format": "png"},
    }
    values.update(fields)
    return GenerationRequest(**values)


def b64_answer(image: bytes) -> dict[str, Any]:
    return {"created": 1713833628, "data": [{"b64_json": base64.b64encode(image).decode()}],
            "usage": {"total_tokens": 100}}


def error(message: str, code: str | None, kind: str = "invalid_request_error") -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


async def test_generation_with_a_b64_json_answer(server: LoopbackServer) -> None:
    png = png_bytes()
    server.route("POST", GENERATIONS, reply(200, b64_answer(png)))
    progress = ProgressLog()
    provider = make(server)
    image = await provider.generate(request(seed=5), progress)
    await provider.aclose()

    (sent,) = server.calls("POST", GENERATIONS)
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.json() == {"model": "gpt-image-1", "prompt": "portrait of a bard", "n": 1, "size": "1024x1536",
                           "quality": "medium", "output_format": "png"}  # no seed: the API has none
    assert image.data == png and image.content_type == "image/png" and image.url is None
    assert progress.stages() == ["processing"]


async def test_generation_with_a_url_answer(server: LoopbackServer) -> None:
    url = "https://oaidalleapiprodscus.blob.core.windows.net/private/img.png"
    server.route("POST", GENERATIONS, reply(200, {"created": 1, "data": [{"url": url, "revised_prompt": "a bard"}]}))
    provider = make(server)
    image = await provider.generate(request(model_key="dall-e-3", input_defaults={}, width=1024, height=1792),
                                    ProgressLog())
    await provider.aclose()
    assert server.calls("POST", GENERATIONS)[0].json()["size"] == "1024x1792"
    assert image.url == url and image.data is None and image.extra == {"revised_prompt": "a bard"}


async def test_edit_uploads_the_reference_as_multipart(server: LoopbackServer) -> None:
    png, out = png_bytes((1, 2, 3)), png_bytes((9, 9, 9))
    server.route("POST", EDITS, reply(200, b64_answer(out)))
    provider = make(server)
    image = await provider.generate(request(reference_image=png), ProgressLog())
    await provider.aclose()

    (sent,) = server.calls("POST", EDITS)
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["content-type"].startswith("multipart/form-data")
    form = sent.form()
    assert form["image"] == ("reference.png", png)
    assert {name: value.decode() for name, (_, value) in form.items() if name != "image"} == {
        "model": "gpt-image-1", "prompt": "portrait of a bard", "n": "1", "size": "1024x1536",
        "quality": "medium", "output_format": "png"}
    assert image.data == out


async def test_a_list_image_input_is_sent_as_image_array(server: LoopbackServer) -> None:
    server.route("POST", EDITS, reply(200, b64_answer(png_bytes())))
    provider = make(server)
    await provider.generate(request(reference_image=png_bytes(), capabilities={"i2i_image_is_list": True}),
                            ProgressLog())
    await provider.aclose()
    assert "image[]" in server.calls("POST", EDITS)[0].form()


async def test_edit_without_reference_bytes_is_refused_before_sending(server: LoopbackServer) -> None:
    provider = make(server)
    with pytest.raises(ProviderError) as caught:
        await provider.generate(request(reference_image_url="https://cdn.example/ref.png"), ProgressLog())
    await provider.aclose()
    assert caught.value.code == "reference_required" and server.received == []


async def test_a_local_server_without_a_key_gets_no_authorization_header(server: LoopbackServer) -> None:
    server.route("POST", GENERATIONS, reply(200, b64_answer(png_bytes())))
    provider = make(server, key=None)
    await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert "authorization" not in server.calls("POST", GENERATIONS)[0].headers


async def test_400_moderation_blocked_is_not_retried(server: LoopbackServer) -> None:
    server.route("POST", GENERATIONS, reply(400, error(
        "Your request was rejected as a result of our safety system.", "moderation_blocked",
        "image_generation_user_error")))
    provider = make(server)
    with pytest.raises(ProviderError, match="safety system") as caught:
        await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert caught.value.code == "moderation_blocked" and not caught.value.retryable and caught.value.status == 400
    assert len(server.calls("POST", GENERATIONS)) == 1


async def test_401_invalid_key_is_not_retried_and_not_echoed(server: LoopbackServer) -> None:
    server.route("POST", GENERATIONS, reply(401, error(f"Incorrect API key provided: {KEY}.", "invalid_api_key")))
    provider = make(server)
    with pytest.raises(ProviderError, match="Incorrect API key") as caught:
        await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert caught.value.code == "invalid_api_key" and not caught.value.retryable
    assert KEY not in caught.value.message and KEY not in repr(provider)
    assert len(server.calls("POST", GENERATIONS)) == 1


async def test_429_with_retry_after_ms_is_retried_and_succeeds(server: LoopbackServer) -> None:
    png = png_bytes()
    server.route("POST", GENERATIONS, sequence(
        reply(429, error("Rate limit reached for images per minute.", "rate_limit_exceeded", "requests"),
              headers={"retry-after-ms": "20", "retry-after": "1"}),
        reply(200, b64_answer(png))))
    provider = make(server)
    image = await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert image.data == png and len(server.calls("POST", GENERATIONS)) == 2


async def test_5xx_is_retried_until_success(server: LoopbackServer) -> None:
    png = png_bytes()
    server.route("POST", GENERATIONS, sequence(
        reply(500, error("The server had an error while processing your request.", None, "server_error")),
        reply(503, text="upstream connect error"),
        reply(200, b64_answer(png))))
    provider = make(server, attempts=3)
    image = await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert image.data == png and len(server.calls("POST", GENERATIONS)) == 3


@pytest.mark.parametrize(("answer", "expected"), [
    ({"created": 1, "data": []}, "no data"),
    ({"created": 1, "data": [{"b64_json": "%%% not base64 %%%"}]}, "not valid base64"),
    ({"created": 1, "data": [{"revised_prompt": "x"}]}, "neither b64_json nor url"),
])
async def test_malformed_answers_are_clear_errors(server: LoopbackServer, answer: dict[str, Any],
                                                  expected: str) -> None:
    server.route("POST", GENERATIONS, reply(200, answer))
    provider = make(server)
    with pytest.raises(ProviderError, match=expected) as caught:
        await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert caught.value.code == "bad_response" and len(server.calls("POST", GENERATIONS)) == 1


async def test_a_hang_past_the_timeout_fails_as_timed_out(server: LoopbackServer) -> None:
    server.route("POST", GENERATIONS, lambda _request: server.hang())
    provider = make(server, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(ProviderError, match="timed out") as caught:
        await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert caught.value.retryable and caught.value.code == "timeout" and time.monotonic() - started < 2.0
