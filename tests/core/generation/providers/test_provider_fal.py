"""FalProvider against a loopback server speaking fal's sync and queue protocols."""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.generation.providers.base import GenerationRequest, ProviderError
from core.generation.providers.fal import FalProvider
from tests.support.provider_servers import LoopbackServer, ProgressLog, png_bytes, reply, running_server, sequence

KEY = "fal-key-0123456789"
MODEL = "fal-ai/flux/dev"
IMAGE_URL = "https://v3.fal.media/files/portrait.png"
REQUEST_ID = "req-1"
# Status and result URLs drop the model's sub-path: fal-ai/flux/dev polls under fal-ai/flux.
REQUESTS = f"/fal-ai/flux/requests/{REQUEST_ID}"


@pytest.fixture
async def server() -> AsyncIterator[LoopbackServer]:
    async with running_server() as running:
        yield running


def make(server: LoopbackServer, **options: Any) -> FalProvider:
    settings: dict[str, Any] = {"timeout": 5.0, "poll_interval": 0.005, "base_delay": 0.005, "max_delay": 0.05}
    settings.update(options)
    return FalProvider(KEY, run_base=server.url, queue_base=server.url, **settings)


def request(**fields: Any) -> GenerationRequest:
    values: dict[str, Any] = {"prompt": "portrait of a knight", "model_key": MODEL, "seed": 42, "width": 768,
                              "height": 1024, "input_defaults": {"num_inference_steps": 28, "output_format": "png"}}
    values.update(fields)
    return GenerationRequest(**values)


def result(url: str = IMAGE_URL, *, nsfw: bool = False) -> dict[str, Any]:
    return {"images": [{"url": url, "width": 768, "height": 1024, "content_type": "image/png"}], "seed": 42,
            "has_nsfw_concepts": [nsfw], "timings": {"inference": 1.2}}


def queue(server: LoopbackServer, *statuses: dict[str, Any], answer: dict[str, Any] | None = None) -> None:
    base = server.url + REQUESTS
    server.route("POST", f"/{MODEL}", reply(200, {"request_id": REQUEST_ID, "response_url": base,
                                                  "status_url": f"{base}/status", "cancel_url": f"{base}/cancel",
                                                  "queue_position": 3}))
    server.route("GET", f"{REQUESTS}/status", sequence(*[reply(200, status) for status in statuses]))
    server.route("GET", REQUESTS, reply(200, answer or result()))
    server.route("PUT", f"{REQUESTS}/cancel", reply(202, {"status": "CANCELLATION_REQUESTED"}))


async def test_sync_text_to_image_sends_the_model_input_and_reads_the_url(server: LoopbackServer) -> None:
    server.route("POST", f"/{MODEL}", reply(200, result()))
    provider = make(server, mode="sync")
    image = await provider.generate(request(), ProgressLog())
    await provider.aclose()

    (sent,) = server.calls("POST", f"/{MODEL}")
    assert sent.headers["authorization"] == f"Key {KEY}"
    assert sent.json() == {"prompt": "portrait of a knight", "seed": 42, "image_size": {"width": 768, "height": 1024},
                           "num_inference_steps": 28, "output_format": "png", "enable_safety_checker": False}
    assert image.url == IMAGE_URL and image.data is None and image.seed == 42
    assert image.nsfw_detected is False and image.content_type == "image/png" and image.extra["width"] == 768


async def test_queue_reports_position_then_logs_then_fetches_the_result(server: LoopbackServer) -> None:
    png = png_bytes()
    data_uri = "data:image/png;base64," + base64.b64encode(png).decode()
    queue(server,
          {"status": "IN_QUEUE", "queue_position": 2},
          {"status": "IN_QUEUE", "queue_position": 1},
          {"status": "IN_PROGRESS", "logs": [{"message": "loading model", "level": "INFO", "timestamp": "t"}]},
          {"status": "IN_PROGRESS", "logs": [{"message": "loading model"}, {"message": "step 14/28"}]},
          {"status": "COMPLETED", "logs": []},
          answer=result(data_uri))
    progress = ProgressLog()
    provider = make(server)
    image = await provider.generate(request(), progress)
    await provider.aclose()

    assert image.data == png and image.url is None and image.request_id == REQUEST_ID
    assert [e.queue_position for e in progress.events if e.stage == "queued"] == [3, 2, 1]
    assert [e.message for e in progress.events if e.stage == "processing"] == ["loading model", "step 14/28"]
    assert progress.stages()[-1] == "finalizing"
    assert all(call.query == {"logs": "1"} for call in server.calls("GET", f"{REQUESTS}/status"))
    assert server.calls("GET", REQUESTS)[0].headers["authorization"] == f"Key {KEY}"


async def test_i2i_sends_the_reference_bytes_as_a_data_uri_with_strength(server: LoopbackServer) -> None:
    server.route("POST", "/fal-ai/flux/dev/image-to-image", reply(200, result()))
    png = png_bytes((10, 200, 30))
    provider = make(server, mode="sync")
    await provider.generate(request(
        model_key="fal-ai/flux/dev/image-to-image", reference_image=png,
        capabilities={"supports_i2i": True, "requires_reference": True, "i2i_image_param": "image_url",
                      "i2i_strength_param": "strength"},
        input_defaults={"strength": 0.85, "image_size": "portrait_4_3"}), ProgressLog())
    await provider.aclose()

    body = server.calls("POST")[0].json()
    assert body["image_url"] == "data:image/png;base64," + base64.b64encode(png).decode()
    assert body["strength"] == 0.85 and body["image_size"] == "portrait_4_3"


async def test_i2i_list_input_named_by_capabilities_gets_the_reference_url(server: LoopbackServer) -> None:
    model = "fal-ai/bytedance/seedream/v4/edit"
    server.route("POST", f"/{model}", reply(200, result()))
    provider = make(server, mode="sync")
    await provider.generate(request(model_key=model, reference_image_url="https://cdn.example/ref.png",
                                    capabilities={"i2i_input": "image_urls"}), ProgressLog())
    await provider.aclose()
    assert server.calls("POST")[0].json()["image_urls"] == ["https://cdn.example/ref.png"]


async def test_edit_only_model_refuses_text_to_image_before_sending(server: LoopbackServer) -> None:
    provider = make(server, mode="sync")
    with pytest.raises(ProviderError) as caught:
        await provider.generate(request(capabilities={"requires_reference": True}), ProgressLog())
    await provider.aclose()
    assert caught.value.code == "reference_required" and server.received == []


async def test_safety_checker_flag_blanks_the_image_and_is_a_policy_error(server: LoopbackServer) -> None:
    server.route("POST", f"/{MODEL}", reply(200, result(nsfw=True)))
    provider = make(server, mode="sync")
    with pytest.raises(ProviderError) as caught:
        await provider.generate(request(enable_safety_checker=True), ProgressLog())
    await provider.aclose()
    assert server.calls("POST")[0].json()["enable_safety_checker"] is True
    assert caught.value.code == "nsfw" and not caught.value.retryable


async def test_401_is_reported_with_fals_detail_and_not_retried(server: LoopbackServer) -> None:
    server.route("POST", f"/{MODEL}", reply(401, {"detail": f"No user found for Key {KEY}"}))
    provider = make(server, mode="sync")
    with pytest.raises(ProviderError) as caught:
        await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert caught.value.status == 401 and caught.value.code == "unauthorized" and not caught.value.retryable
    assert "No user found" in caught.value.message and KEY not in caught.value.message
    assert len(server.calls("POST")) == 1


async def test_422_content_policy_violation_is_not_retried(server: LoopbackServer) -> None:
    server.route("POST", f"/{MODEL}", reply(422, {"detail": [
        {"loc": ["body", "prompt"], "msg": "The prompt was flagged", "type": "content_policy_violation"}]}))
    provider = make(server, mode="sync")
    with pytest.raises(ProviderError) as caught:
        await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert caught.value.code == "content_policy_violation" and not caught.value.retryable
    assert "prompt: The prompt was flagged" in caught.value.message
    assert len(server.calls("POST")) == 1


async def test_429_with_retry_after_is_retried_and_succeeds_without_logging_the_key(
        server: LoopbackServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server.route("POST", f"/{MODEL}", sequence(
        reply(429, {"detail": "Too many concurrent requests"}, headers={"Retry-After": "0"}),
        reply(200, result())))
    provider = make(server, mode="sync")
    image = await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert image.url == IMAGE_URL and len(server.calls("POST")) == 2
    assert "Too many concurrent requests" in caplog.text and KEY not in caplog.text


async def test_a_status_poll_that_keeps_failing_cancels_the_job(server: LoopbackServer) -> None:
    queue(server)
    server.route("GET", f"{REQUESTS}/status", reply(500, {"detail": "Internal Server Error"}))
    provider = make(server, attempts=2)
    with pytest.raises(ProviderError, match="Internal Server Error") as caught:
        await provider.generate(request(), ProgressLog())
    assert caught.value.retryable and len(server.calls("GET", f"{REQUESTS}/status")) == 2
    await server.wait_for("PUT", f"{REQUESTS}/cancel")
    await provider.aclose()


async def test_503_with_error_type_is_retried_until_attempts_run_out(server: LoopbackServer) -> None:
    server.route("POST", f"/{MODEL}", reply(503, {"detail": "Runner disconnected"},
                                            headers={"X-Fal-Error-Type": "runner_disconnected"}))
    provider = make(server, mode="sync", attempts=3)
    with pytest.raises(ProviderError) as caught:
        await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert caught.value.retryable and caught.value.code == "runner_disconnected" and caught.value.status == 503
    assert len(server.calls("POST")) == 3


async def test_completed_status_with_an_error_fails_the_generation(server: LoopbackServer) -> None:
    queue(server, {"status": "COMPLETED", "error": "CUDA error", "error_type": "runner_server_error"})
    provider = make(server)
    with pytest.raises(ProviderError, match="CUDA error") as caught:
        await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert caught.value.code == "runner_server_error" and caught.value.retryable
    assert server.calls("GET", REQUESTS) == []


async def test_a_malformed_body_is_a_clear_error(server: LoopbackServer) -> None:
    server.route("POST", f"/{MODEL}", reply(200, text="upstream exploded"))
    provider = make(server, mode="sync")
    with pytest.raises(ProviderError, match="malformed response.*upstream exploded") as caught:
        await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert caught.value.code == "bad_response" and len(server.calls("POST")) == 1


async def test_a_result_without_images_is_a_clear_error(server: LoopbackServer) -> None:
    queue(server, {"status": "COMPLETED"}, answer={"images": [], "seed": 1})
    provider = make(server)
    with pytest.raises(ProviderError, match="no images"):
        await provider.generate(request(), ProgressLog())
    await provider.aclose()


async def test_a_hang_past_the_timeout_fails_as_timed_out(server: LoopbackServer) -> None:
    server.route("POST", f"/{MODEL}", lambda _request: server.hang())
    provider = make(server, mode="sync", timeout=0.3)
    started = time.monotonic()
    with pytest.raises(ProviderError, match="timed out") as caught:
        await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert caught.value.retryable and caught.value.code == "timeout"
    assert time.monotonic() - started < 2.0


async def test_a_queue_that_never_finishes_times_out_and_is_cancelled_remotely(server: LoopbackServer) -> None:
    queue(server, {"status": "IN_QUEUE", "queue_position": 9})
    provider = make(server, timeout=0.3)
    with pytest.raises(ProviderError, match="timed out"):
        await provider.generate(request(), ProgressLog())
    await server.wait_for("PUT", f"{REQUESTS}/cancel")
    await provider.aclose()


async def test_cancelling_the_task_cancels_the_request_at_fal(server: LoopbackServer) -> None:
    queue(server, {"status": "IN_PROGRESS", "logs": []})
    provider = make(server)
    task = asyncio.create_task(provider.generate(request(), ProgressLog()))
    await server.wait_for("GET", f"{REQUESTS}/status")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    cancel = await server.wait_for("PUT", f"{REQUESTS}/cancel")
    assert cancel.headers["authorization"] == f"Key {KEY}"
    await provider.aclose()


def _seeded(model_key: str) -> dict[str, Any]:
    """A model row as core/seed_data/models.json ships it."""
    from core.seed import load_seed_data

    return next(m for m in load_seed_data().models if m["model_key"] == model_key)


@pytest.mark.parametrize(("model_key", "param", "kept"), [
    ("fal-ai/flux-pulid", "reference_image_url", {"id_weight": 1.0, "image_size": "portrait_4_3"}),
    ("fal-ai/instant-character", "image_url", {"scale": 1.0, "image_size": "portrait_4_3"}),
    ("fal-ai/flux-pro/kontext", "image_url", {"aspect_ratio": "3:4", "safety_tolerance": "2"}),
])
async def test_face_consistent_models_get_the_reference_on_their_own_parameter(
        server: LoopbackServer, model_key: str, param: str, kept: dict[str, Any]) -> None:
    row = _seeded(model_key)
    assert row["capabilities"]["supports_i2i"] and row["capabilities"]["requires_reference"] and not row["is_active"]
    server.route("POST", f"/{model_key}", reply(200, result()))
    provider = make(server, mode="sync")
    await provider.generate(request(model_key=model_key, reference_image_url="https://cdn.example/face.png",
                                    capabilities=row["capabilities"], input_defaults=row["input_defaults"]),
                            ProgressLog())
    await provider.aclose()
    (sent,) = server.calls("POST", f"/{model_key}")
    body = sent.json()
    assert body[param] == "https://cdn.example/face.png"  # one URL, not a list
    assert not ({"image_url", "reference_image_url", "image_urls"} - {param}) & set(body)  # only its own
    assert {k: body[k] for k in kept} == kept and body["prompt"] == "portrait of a knight"
