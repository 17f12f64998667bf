"""Automatic1111Provider against a loopback server speaking the web UI's /sdapi/v1 API."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from core.generation.providers.automatic1111 import Automatic1111Provider
from core.generation.providers.base import GenerationRequest, ProviderError
from tests.support.provider_servers import LoopbackServer, ProgressLog, png_bytes, reply, running_server, sequence

TXT2IMG = "/sdapi/v1/txt2img"
IMG2IMG = "/sdapi/v1/img2img"
PROGRESS = "/sdapi/v1/progress"
INTERRUPT = "/sdapi/v1/interrupt"
PASSWORD = "webui-pass-0123"
DEFAULTS = {"steps": 28, "cfg_scale": 6.5, "width": 768, "height": 1024, "sampler_name": "DPM++ 2M", "seed": -1,
            "denoising_strength": 0.6, "negative_prompt": "lowres, blurry"}
CAPABILITIES = {"supports_i2i": True, "i2i_endpoint": "sdapi/v1/img2img", "i2i_image_param": "init_images",
                "i2i_image_is_list": True, "i2i_strength_param": "denoising_strength"}


@pytest.fixture
async def server() -> AsyncIterator[LoopbackServer]:
    async with running_server() as running:
        running.route("GET", PROGRESS, reply(200, idle()))
        running.route("POST", INTERRUPT, reply(200, {}))
        yield running


def make(server: LoopbackServer, **options: Any) -> Automatic1111Provider:
    settings: dict[str, Any] = {"timeout": 5.0, "poll_interval": 0.01, "base_delay": 0.005, "max_delay": 0.05}
    settings.update(options)
    return Automatic1111Provider(server.url, username="studio", password=PASSWORD, **settings)


def request(**fields: Any) -> GenerationRequest:
    values: dict[str, Any] = {"prompt": "portrait of a witch", "model_key": "sd-default", "seed": 1234,
                              "capabilities": CAPABILITIES, "input_defaults": DEFAULTS}
    values.update(fields)
    return GenerationRequest(**values)


def answer(image: bytes, *, info: Any = None) -> dict[str, Any]:
    info = json.dumps({"seed": 1234, "all_seeds": [1234], "steps": 28, "sampler_name": "DPM++ 2M"}) \
        if info is None else info
    return {"images": [base64.b64encode(image).decode()], "parameters": {}, "info": info}


def idle() -> dict[str, Any]:
    return {"progress": 0.0, "eta_relative": 0.0, "state": {"job_count": 0, "sampling_step": 0, "sampling_steps": 0},
            "current_image": None, "textinfo": None}


def busy(fraction: float, step: int) -> dict[str, Any]:
    return {"progress": fraction, "eta_relative": 4.0 * (1 - fraction),
            "state": {"job_count": 1, "sampling_step": step, "sampling_steps": 28}, "current_image": None}


async def test_txt2img_sends_the_payload_with_basic_auth_and_reads_the_seed(server: LoopbackServer) -> None:
    png = png_bytes()
    server.route("POST", TXT2IMG, reply(200, answer(png)))
    provider = make(server)
    image = await provider.generate(request(), ProgressLog())
    await provider.aclose()

    (sent,) = server.calls("POST", TXT2IMG)
    assert sent.headers["authorization"] == "Basic " + base64.b64encode(f"studio:{PASSWORD}".encode()).decode()
    assert sent.json() == {"prompt": "portrait of a witch", "negative_prompt": "lowres, blurry", "seed": 1234,
                           "steps": 28, "cfg_scale": 6.5, "width": 768, "height": 1024, "sampler_name": "DPM++ 2M"}
    assert image.data == png and image.content_type == "image/png" and image.seed == 1234
    assert image.extra == {"sampler_name": "DPM++ 2M", "steps": 28}


async def test_img2img_sends_base64_init_images_and_denoising_strength(server: LoopbackServer) -> None:
    reference, out = png_bytes((5, 5, 5)), png_bytes((250, 250, 250))
    server.route("POST", IMG2IMG, reply(200, answer(out)))
    provider = make(server)
    image = await provider.generate(request(reference_image=reference, seed=None), ProgressLog())
    await provider.aclose()

    sent = server.calls("POST", IMG2IMG)[0].json()
    assert sent["init_images"] == [base64.b64encode(reference).decode()]
    assert sent["denoising_strength"] == 0.6 and sent["seed"] == -1
    assert image.data == out


async def test_progress_is_polled_on_a_second_connection_while_the_call_blocks(server: LoopbackServer) -> None:
    png = png_bytes()

    async def txt2img(_request: web.Request) -> web.StreamResponse:
        await server.wait_for("GET", PROGRESS, count=4)  # answer only after the adapter saw the progress
        return web.json_response(answer(png))

    server.route("POST", TXT2IMG, txt2img)
    server.route("GET", PROGRESS, sequence(reply(200, idle()), reply(200, busy(0.25, 7)), reply(200, busy(0.5, 14))))
    progress = ProgressLog()
    provider = make(server)
    image = await provider.generate(request(), progress)
    await provider.aclose()

    assert image.data == png
    assert [(e.percent, e.message, e.eta_s) for e in progress.events if e.stage == "processing"] == [
        (25.0, "Step 7/28", 3.0), (50.0, "Step 14/28", 2.0)]
    assert progress.stages()[0] == "queued" and progress.stages()[-1] == "finalizing"
    poll = server.calls("GET", PROGRESS)[0]
    assert poll.query == {"skip_current_image": "true"} and poll.headers["authorization"].startswith("Basic ")


async def test_a_500_out_of_memory_is_retried_and_succeeds(server: LoopbackServer) -> None:
    png = png_bytes()
    server.route("POST", TXT2IMG, sequence(
        reply(500, {"error": "OutOfMemoryError", "detail": "", "body": "", "errors": "CUDA out of memory."}),
        reply(200, answer(png))))
    provider = make(server)
    image = await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert image.data == png and len(server.calls("POST", TXT2IMG)) == 2


async def test_a_persistent_5xx_gives_up_with_the_servers_words(server: LoopbackServer) -> None:
    server.route("POST", TXT2IMG, reply(500, {"error": "OutOfMemoryError", "detail": "", "body": "",
                                              "errors": "CUDA out of memory."}))
    provider = make(server, attempts=2)
    with pytest.raises(ProviderError, match="CUDA out of memory") as caught:
        await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert caught.value.retryable and caught.value.code == "OutOfMemoryError"
    assert len(server.calls("POST", TXT2IMG)) == 2


async def test_401_bad_credentials_are_not_retried(server: LoopbackServer) -> None:
    server.route("POST", TXT2IMG, reply(401, {"detail": "Incorrect username or password"},
                                        headers={"WWW-Authenticate": "Basic"}))
    provider = make(server)
    with pytest.raises(ProviderError, match="Incorrect username or password") as caught:
        await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert caught.value.status == 401 and not caught.value.retryable and PASSWORD not in caught.value.message
    assert len(server.calls("POST", TXT2IMG)) == 1


async def test_422_validation_is_not_retried(server: LoopbackServer) -> None:
    server.route("POST", TXT2IMG, reply(422, {"detail": [
        {"loc": ["body", "steps"], "msg": "value is not a valid integer", "type": "type_error.integer"}]}))
    provider = make(server)
    with pytest.raises(ProviderError, match="steps: value is not a valid integer") as caught:
        await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert not caught.value.retryable and len(server.calls("POST", TXT2IMG)) == 1


async def test_a_missing_api_says_to_start_with_api(server: LoopbackServer) -> None:
    provider = make(server)  # no txt2img route: the loopback server answers 404 {"detail": "Not Found"}
    with pytest.raises(ProviderError, match="--api") as caught:
        await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert caught.value.status == 404 and not caught.value.retryable


async def test_malformed_images_are_a_clear_error_and_bad_info_only_loses_the_seed(server: LoopbackServer) -> None:
    server.route("POST", TXT2IMG, sequence(reply(200, {"images": ["not//base64!!"], "info": "{}"}),
                                           reply(200, answer(png_bytes(), info="not json"))))
    provider = make(server)
    with pytest.raises(ProviderError, match="not valid base64") as caught:
        await provider.generate(request(), ProgressLog())
    assert caught.value.code == "bad_response"
    image = await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert image.data == png_bytes() and image.seed is None


async def test_a_hang_past_the_timeout_fails_as_timed_out_and_interrupts(server: LoopbackServer) -> None:
    server.route("POST", TXT2IMG, lambda _request: server.hang())
    provider = make(server, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(ProviderError, match="timed out") as caught:
        await provider.generate(request(), ProgressLog())
    assert caught.value.retryable and caught.value.code == "timeout" and time.monotonic() - started < 2.0
    await server.wait_for("POST", INTERRUPT)
    await provider.aclose()


async def test_cancelling_the_task_interrupts_the_web_ui(server: LoopbackServer) -> None:
    server.route("POST", TXT2IMG, lambda _request: server.hang())
    provider = make(server)
    task = asyncio.create_task(provider.generate(request(), ProgressLog()))
    await server.wait_for("POST", TXT2IMG)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    interrupt = await server.wait_for("POST", INTERRUPT)
    assert interrupt.headers["authorization"].startswith("Basic ")
    await provider.aclose()
