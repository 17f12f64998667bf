"""ComfyUIProvider against a loopback ComfyUI (tests/support/comfyui_peer.py): websocket, prompt, history."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.generation.providers.base import GenerationRequest, Progress, ProviderError
from core.generation.providers.comfy_workflow import example_workflow
from core.generation.providers.comfyui import ComfyUIProvider
from core.generation.providers.registry import ProviderConfig, make_provider
from tests.support.comfyui_peer import CHECKPOINTS, ComfyPeer
from tests.support.provider_servers import ProgressLog, png_bytes, running_server

DEFAULTS = {"steps": 20, "scale": 6.5, "model": "sdxl_base_1.0.safetensors", "negative_prompt": "lowres"}


@pytest.fixture
async def peer() -> AsyncIterator[ComfyPeer]:
    async with running_server() as server:
        comfy = ComfyPeer(server)
        yield comfy
        await comfy.close()


def make(peer: ComfyPeer, **options: Any) -> ComfyUIProvider:
    return ComfyUIProvider(peer.url, **{"timeout": 5.0, "poll_interval": 0.01, "base_delay": 0.005, **options})


def request(workflow: str = "text_to_image", **fields: Any) -> GenerationRequest:
    values: dict[str, Any] = {"prompt": "portrait of a witch", "model_key": "comfyui-sdxl", "seed": 1234,
                              "input_defaults": {**DEFAULTS, "workflow": example_workflow(workflow)}}
    values.update(fields)
    return GenerationRequest(**values)


def sent_graph(peer: ComfyPeer) -> dict[str, Any]:
    (job,) = peer.jobs.values()
    return job.graph


async def test_text_to_image_follows_the_websocket_and_fetches_the_saved_image(peer: ComfyPeer) -> None:
    progress = ProgressLog()
    provider = make(peer)
    image = await provider.generate(request(), progress)
    await provider.aclose()

    assert peer.events[:2] == ["ws", "prompt"]  # the websocket is open before the prompt is queued
    (posted,) = peer.server.calls("POST", "/prompt")
    (socket,) = peer.server.calls("GET", "/ws")
    assert posted.json()["client_id"] == socket.query["clientId"]
    assert posted.json()["prompt_id"] == image.request_id  # chosen by the adapter, kept by the server
    graph = sent_graph(peer)
    assert graph["3"]["inputs"]["seed"] == 1234 and graph["3"]["inputs"]["steps"] == 20  # numbers stay numbers
    assert graph["3"]["inputs"]["cfg"] == 6.5
    assert graph["5"]["inputs"] == {"width": 1024, "height": 1024, "batch_size": 1}
    assert graph["6"]["inputs"]["text"] == "portrait of a witch" and graph["7"]["inputs"]["text"] == "lowres"
    assert graph["4"]["inputs"]["ckpt_name"] == "sdxl_base_1.0.safetensors"
    # progress from our prompt's messages only (another client's "1 of 4" and preview frames ignored)
    assert [e.percent for e in progress.events if e.stage == "processing" and e.percent is not None] == \
        [25.0, 50.0, 75.0, 100.0]
    assert progress.stages()[0] == "queued" and progress.stages()[-1] == "finalizing"
    (view,) = peer.server.calls("GET", "/view")
    assert view.query == {"filename": "character-studio_00001_.png", "subfolder": "studio", "type": "output"}
    assert peer.server.calls("GET", f"/history/{image.request_id}")
    assert image.data == peer.image and image.content_type == "image/png" and image.seed == 1234


async def test_image_to_image_uploads_the_reference_and_names_it_in_the_load_image_node(peer: ComfyPeer) -> None:
    reference = png_bytes((9, 9, 9), size=16)
    provider = make(peer)
    await provider.generate(request("image_to_image", reference_image=reference,
                                    input_defaults={**DEFAULTS, "denoise": 0.45,
                                                    "workflow": example_workflow("image_to_image")}), ProgressLog())
    await provider.aclose()

    assert peer.events[:3] == ["ws", "upload", "prompt"]
    ((filename, data),) = peer.uploads
    assert data == reference and filename.endswith(".png")
    (upload,) = peer.server.calls("POST", "/upload/image")
    assert upload.form()["type"][1] == b"input" and upload.form()["overwrite"][1] == b"true"
    graph = sent_graph(peer)
    assert graph["10"]["inputs"]["image"] == f"studio-refs/{filename}"
    assert graph["3"]["inputs"]["denoise"] == 0.45


async def test_char_avatar_is_the_reference_as_base64(peer: ComfyPeer) -> None:
    workflow = example_workflow("image_to_image")
    workflow["10"] = {"class_type": "ETN_LoadImageBase64", "inputs": {"image": "%char_avatar%"}}
    reference = png_bytes((1, 2, 3))
    provider = make(peer)
    await provider.generate(request(reference_image=reference, input_defaults={**DEFAULTS, "workflow": workflow}),
                            ProgressLog())
    await provider.aclose()

    assert base64.b64decode(sent_graph(peer)["10"]["inputs"]["image"]) == reference
    assert peer.uploads == []  # nothing to upload for a base64 loader


async def test_a_refused_workflow_names_the_node_and_the_problem(peer: ComfyPeer) -> None:
    peer.refuse_with = {
        "error": {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation",
                  "details": ""},
        "node_errors": {"4": {"errors": [{"type": "value_not_in_list", "message": "Value not in list",
                                          "details": "ckpt_name: 'missing.safetensors' not in [...]"}],
                              "dependent_outputs": ["9"], "class_type": "CheckpointLoaderSimple"}}}
    provider = make(peer)
    with pytest.raises(ProviderError) as caught:
        await provider.generate(request(), ProgressLog())
    await provider.aclose()

    assert caught.value.code == "invalid_workflow" and not caught.value.retryable
    assert "node 4 (CheckpointLoaderSimple)" in caught.value.message
    assert "ckpt_name: 'missing.safetensors'" in caught.value.message
    assert len(peer.server.calls("POST", "/prompt")) == 1  # never retried


async def test_an_execution_error_names_the_node_that_failed() -> None:
    async with running_server() as server:
        peer = ComfyPeer(server, outcome="error")
        provider = make(peer)
        with pytest.raises(ProviderError) as caught:
            await provider.generate(request(), ProgressLog())
        await provider.aclose()
        await peer.close()
    assert caught.value.message == "comfyui: node 3 (KSampler) failed: CUDA out of memory"


async def test_cancelling_a_running_job_interrupts_it() -> None:
    async with running_server() as server:
        peer = ComfyPeer(server, outcome="hold")
        provider = make(peer)
        running = asyncio.Event()  # the adapter has read that the job runs

        def progress(event: Progress) -> None:
            if event.stage == "processing":
                running.set()

        task = asyncio.create_task(provider.generate(request(), progress))
        async with asyncio.timeout(5):
            await running.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await server.wait_for("POST", "/interrupt")
        await provider.aclose()
        await peer.close()
    (interrupt,) = server.calls("POST", "/interrupt")
    assert interrupt.json() == {"prompt_id": next(iter(peer.jobs))}
    assert server.calls("POST", "/queue") == []


async def test_cancelling_a_queued_job_deletes_it_from_the_queue() -> None:
    async with running_server() as server:
        peer = ComfyPeer(server, outcome="queued")
        provider = make(peer)
        task = asyncio.create_task(provider.generate(request(), ProgressLog()))
        async with asyncio.timeout(5):
            await peer.queued.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await server.wait_for("POST", "/queue")
        await provider.aclose()
        await peer.close()
    (queued,) = server.calls("POST", "/queue")
    assert queued.json() == {"delete": [next(iter(peer.jobs))]}
    assert server.calls("POST", "/interrupt") == []


async def test_a_dropped_websocket_is_followed_on_history() -> None:
    async with running_server() as server:
        peer = ComfyPeer(server, outcome="drop")
        provider = make(peer)
        image = await provider.generate(request(), ProgressLog())
        await provider.aclose()
        await peer.close()
    assert image.data == peer.image
    assert len(server.calls("GET", f"/history/{image.request_id}")) >= 2  # polled, then read for the result


async def test_an_unreachable_server_is_a_clear_retryable_error() -> None:
    async with running_server() as server:
        url = server.url
    provider = ComfyUIProvider(url, timeout=2.0)
    with pytest.raises(ProviderError) as caught:
        await provider.generate(request(), ProgressLog())
    await provider.aclose()
    assert caught.value.code == "unreachable" and caught.value.retryable
    assert "cannot open the websocket" in caught.value.message


async def test_a_workflow_in_the_ui_format_is_refused_before_anything_is_sent(peer: ComfyPeer) -> None:
    provider = make(peer)
    ui_format = {"nodes": [{"id": 3, "type": "KSampler"}], "links": [], "version": 0.4}
    with pytest.raises(ProviderError) as caught:
        await provider.generate(request(input_defaults={"workflow": ui_format}), ProgressLog())
    await provider.aclose()
    assert caught.value.code == "invalid_workflow" and "Export (API)" in caught.value.message
    assert peer.server.received == []


async def test_a_reference_workflow_without_a_reference_says_so(peer: ComfyPeer) -> None:
    provider = make(peer)
    with pytest.raises(ProviderError) as caught:
        await provider.generate(request("image_to_image"), ProgressLog())
    await provider.aclose()
    assert caught.value.code == "reference_required" and "%reference_image%" in caught.value.message
    assert peer.server.calls("POST", "/prompt") == []


async def test_the_registry_builds_it_and_the_admin_calls_answer(peer: ComfyPeer) -> None:
    provider = make_provider("comfyui", ProviderConfig(base_url=peer.url, timeout_s=5.0))
    assert isinstance(provider, ComfyUIProvider)
    assert (await provider.check())["system"]["comfyui_version"] == "0.3.40"
    assert await provider.checkpoints() == CHECKPOINTS
    await provider.aclose()
    assert json.loads(json.dumps(example_workflow("text_to_image")))  # the shipped example is plain JSON


async def test_a_row_without_a_checkpoint_takes_the_first_the_server_offers(peer: ComfyPeer) -> None:
    provider = make(peer)
    defaults = {key: value for key, value in DEFAULTS.items() if key != "model"}
    await provider.generate(request(input_defaults={**defaults, "workflow": example_workflow("text_to_image")}),
                            ProgressLog())
    await provider.aclose()
    assert sent_graph(peer)["4"]["inputs"]["ckpt_name"] == CHECKPOINTS[0]
