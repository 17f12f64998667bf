"""ReplicateProvider against a loopback server speaking Replicate's predictions API."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.generation.providers.base import GenerationRequest, ProviderError
from core.generation.providers.replicate import ReplicateProvider, parse_tqdm
from tests.support.provider_servers import LoopbackServer, ProgressLog, png_bytes, reply, running_server, sequence

TOKEN = "r8_token_0123456789"
MODEL = "black-forest-labs/flux-dev"
CREATE = f"/v1/models/{MODEL}/predictions"
OUTPUT_URL = "https://replicate.delivery/xezq/out-0.png"


@pytest.fixture
async def server() -> AsyncIterator[LoopbackServer]:
    async with running_server() as running:
        yield running


def make(server: LoopbackServer, **options: Any) -> ReplicateProvider:
    settings: dict[str, Any] = {"timeout": 10.0, "wait_s": 5, "poll_interval": 0.005, "base_delay": 0.005,
                                "max_delay": 0.05}
    settings.update(options)
    return ReplicateProvider(TOKEN, base_url=server.url, **settings)


def request(**fields: Any) -> GenerationRequest:
    values: dict[str, Any] = {
        "prompt": "portrait of a ranger", "model_key": MODEL, "seed": 7,
        "capabilities": {"supports_i2i": True, "i2i_image_param": "image", "i2i_strength_param": "prompt_strength"},
        "input_defaults": {"aspect_ratio": "3:4", "num_outputs": 1, "prompt_strength": 0.8, "output_format": "png"},
    }
    values.update(fields)
    return GenerationRequest(**values)


def prediction(server: LoopbackServer, status: str, **fields: Any) -> dict[str, Any]:
    base = f"{server.url}/v1/predictions/p1"
    body = {"id": "p1", "status": status, "output": None, "error": None, "logs": "",
            "urls": {"get": base, "cancel": f"{base}/cancel"}}
    body.update(fields)
    return body


def test_tqdm_parsing_takes_the_last_bar() -> None:
    logs = "Using seed: 3\n  4%|▍         | 2/50 [00:01<00:30]\r 42%|████▏     | 21/50 [00:09<00:12]\n"
    assert parse_tqdm(logs) == (42.0, 21, 50)
    assert parse_tqdm("no bars here") is None


async def test_prefer_wait_answers_in_the_create_call(server: LoopbackServer) -> None:
    server.route("POST", CREATE, reply(201, prediction(server, "succeeded", output=[OUTPUT_URL],
                                                       logs="Using seed: 77\n", metrics={"predict_time": 1.5})))
    provider = make(server)
    image = await provider.generate(request(), ProgressLog())
    await provider.aclose()

    (sent,) = server.calls("POST", CREATE)
    assert sent.headers["authorization"] == f"Bearer {TOKEN}" and sent.headers["prefer"] == "wait=5"
    # T2I: the strength input is dropped; the row's aspect_ratio stands in for width/height.
    assert sent.json() == {"input": {"prompt": "portrait of a ranger", "seed": 7, "aspect_ratio": "3:4",
                                     "num_outputs": 1, "output_format": "png"}}
    assert image.url == OUTPUT_URL and image.seed == 77 and image.request_id == "p1"
    assert image.extra == {"predict_time": 1.5}


async def test_a_version_key_uses_the_predictions_endpoint_and_a_data_uri_output(server: LoopbackServer) -> None:
    png = png_bytes()
    data_uri = "data:image/png;base64," + base64.b64encode(png).decode()
    server.route("POST", "/v1/predictions", reply(201, prediction(server, "succeeded", output=data_uri)))
    provider = make(server)
    image = await provider.generate(request(model_key="stability-ai/sdxl:39ed52f2", input_defaults={}), ProgressLog())
    await provider.aclose()

    body = server.calls("POST", "/v1/predictions")[0].json()
    assert body["version"] == "39ed52f2"
    assert body["input"] == {"prompt": "portrait of a ranger", "seed": 7, "width": 1024, "height": 1024}
    assert image.data == png and image.content_type == "image/png" and image.seed == 7


async def test_polling_reports_the_tqdm_progress(server: LoopbackServer) -> None:
    server.route("POST", CREATE, reply(201, prediction(server, "starting")))
    server.route("GET", "/v1/predictions/p1", sequence(
        reply(200, prediction(server, "processing", logs="  0%|          | 0/50\n 10%|█         | 5/50")),
        reply(200, prediction(server, "processing", logs=" 10%|█         | 5/50\n 42%|████▏     | 21/50")),
        reply(200, prediction(server, "succeeded", output=OUTPUT_URL, logs="100%|██████████| 50/50"))))
    progress = ProgressLog()
    provider = make(server)
    image = await provider.generate(request(), progress)
    await provider.aclose()

    assert image.url == OUTPUT_URL
    assert [e.message for e in progress.events if e.stage == "queued"] == ["Submitting", "Starting"]
    assert [(e.percent, e.message) for e in progress.events if e.stage == "processing"] == [
        (10.0, "Step 5/50"), (42.0, "Step 21/50")]
    assert progress.stages()[-1] == "finalizing"
    assert server.calls("GET", "/v1/predictions/p1")[0].headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(("sfw", "disabled"), [(False, True), (True, False)])
async def test_i2i_input_strength_and_safety_checker_follow_the_model_row(
        server: LoopbackServer, sfw: bool, disabled: bool) -> None:
    server.route("POST", CREATE, reply(201, prediction(server, "succeeded", output=[OUTPUT_URL])))
    png = png_bytes((0, 0, 255))
    provider = make(server)
    await provider.generate(request(
        reference_image=png, enable_safety_checker=sfw,
        capabilities={"i2i_input": "input_image", "i2i_strength_key": "prompt_strength", "safety_checker": True}),
        ProgressLog())
    await provider.aclose()

    sent = server.calls("POST", CREATE)[0].json()["input"]
    assert sent["input_image"] == "data:image/png;base64," + base64.b64encode(png).decode()
    assert sent["prompt_strength"] == 0.8 and sent["disable_safety_checker"] is disabled


async def test_a_failed_nsfw_prediction_is_a_policy_error_and_not_retried(server: LoopbackServer) -> None:
    server.route("POST", CREATE, reply(201, prediction(
        server, "failed", error="NSFW content detected. Try running it again, or try a different prompt.")))
    provider = make(server)
    with pytest.raises(ProviderError, match="NSFW content detected") as caught:
        await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert caught.value.code == "nsfw" and not caught.value.retryable
    assert len(server.calls("POST", CREATE)) == 1


async def test_401_problem_json_is_not_retried(server: LoopbackServer) -> None:
    server.route("POST", CREATE, reply(401, {"title": "Unauthenticated", "status": 401,
                                             "detail": "You did not pass a valid authentication token"}))
    provider = make(server)
    with pytest.raises(ProviderError, match="valid authentication token") as caught:
        await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert caught.value.status == 401 and not caught.value.retryable and TOKEN not in caught.value.message
    assert len(server.calls("POST", CREATE)) == 1


async def test_422_invalid_input_is_not_retried(server: LoopbackServer) -> None:
    server.route("POST", CREATE, reply(422, {"title": "Input validation failed", "status": 422,
                                             "detail": "- input.num_outputs: Must be less than or equal to 4"}))
    provider = make(server)
    with pytest.raises(ProviderError, match="num_outputs") as caught:
        await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert caught.value.code == "invalid_input" and len(server.calls("POST", CREATE)) == 1


async def test_429_with_retry_after_is_retried_and_succeeds(server: LoopbackServer) -> None:
    server.route("POST", CREATE, sequence(
        reply(429, {"title": "Request was throttled.", "status": 429,
                    "detail": "Request was throttled. Expected available in 0 seconds."}, headers={"Retry-After": "0"}),
        reply(201, prediction(server, "succeeded", output=[OUTPUT_URL]))))
    provider = make(server)
    image = await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert image.url == OUTPUT_URL and len(server.calls("POST", CREATE)) == 2


async def test_a_5xx_while_polling_is_retried(server: LoopbackServer) -> None:
    server.route("POST", CREATE, reply(201, prediction(server, "processing")))
    server.route("GET", "/v1/predictions/p1", sequence(
        reply(502, text="Bad Gateway"), reply(200, prediction(server, "succeeded", output=[OUTPUT_URL]))))
    provider = make(server)
    image = await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert image.url == OUTPUT_URL and len(server.calls("GET", "/v1/predictions/p1")) == 2


async def test_a_malformed_body_is_a_clear_error(server: LoopbackServer) -> None:
    server.route("POST", CREATE, reply(201, text="<html>maintenance</html>"))
    provider = make(server)
    with pytest.raises(ProviderError, match="malformed response.*maintenance") as caught:
        await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert caught.value.code == "bad_response" and not caught.value.retryable


async def test_a_succeeded_prediction_without_output_is_a_clear_error(server: LoopbackServer) -> None:
    server.route("POST", CREATE, reply(201, prediction(server, "succeeded", output=[])))
    provider = make(server)
    with pytest.raises(ProviderError, match="no image in the output"):
        await provider.generate(request(), ProgressLog())
    await provider.aclose()


async def test_a_hang_past_the_timeout_fails_as_timed_out(server: LoopbackServer) -> None:
    server.route("POST", CREATE, lambda _request: server.hang())
    provider = make(server, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(ProviderError, match="timed out") as caught:
        await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert caught.value.retryable and caught.value.code == "timeout" and time.monotonic() - started < 2.0
    assert "prefer" not in server.calls("POST", CREATE)[0].headers  # a 0.3 s budget cannot hold a wait


async def test_cancelling_the_task_cancels_the_prediction(server: LoopbackServer) -> None:
    server.route("POST", CREATE, reply(201, prediction(server, "starting")))
    server.route("GET", "/v1/predictions/p1", reply(200, prediction(server, "processing")))
    server.route("POST", "/v1/predictions/p1/cancel", reply(200, prediction(server, "canceled")))
    provider = make(server)
    task = asyncio.create_task(provider.generate(request(), ProgressLog()))
    await server.wait_for("GET", "/v1/predictions/p1")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    cancel = await server.wait_for("POST", "/v1/predictions/p1/cancel")
    assert cancel.headers["authorization"] == f"Bearer {TOKEN}"
    await provider.aclose()


async def test_instant_id_gets_the_face_on_image_through_its_pinned_version(server: LoopbackServer) -> None:
    from core.seed import load_seed_data

    row = next(m for m in load_seed_data().models if m["model_key"] == "zsxkib/instant-id")
    assert row["capabilities"]["supports_i2i"] and row["capabilities"]["requires_reference"] and not row["is_active"]
    server.route("POST", "/v1/predictions", reply(201, prediction(server, "succeeded", output=[OUTPUT_URL])))
    png = png_bytes((9, 9, 9))
    provider = make(server)
    await provider.generate(request(model_key="zsxkib/instant-id", reference_image=png,
                                    capabilities=row["capabilities"], input_defaults=row["input_defaults"]),
                            ProgressLog())
    await provider.aclose()
    sent = server.calls("POST", "/v1/predictions")[0].json()
    assert sent["version"] == row["capabilities"]["i2i_endpoint"].split(":", 1)[1]
    assert sent["input"]["image"] == "data:image/png;base64," + base64.b64encode(png).decode()
    assert sent["input"]["ip_adapter_scale"] == 0.8 and sent["input"]["controlnet_conditioning_scale"] == 0.8
    assert sent["input"]["prompt"] == "portrait of a ranger" and "prompt_strength" not in sent["input"]
