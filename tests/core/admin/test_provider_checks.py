"""Test connection and Discover models against loopback servers: the real call per kind, and each failure
(bad key, unreachable, TLS, timeout, not that kind of server) as its own clear message, without the key."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from core.admin.provider_checks import CheckFailed, Endpoint, check_connection, discover_models
from tests.support.comfyui_peer import CHECKPOINTS, ComfyPeer
from tests.support.provider_servers import LoopbackServer, reply, running_server

KEY = "sk-test-0123456789-SECRET"


@pytest.fixture
async def server() -> AsyncIterator[LoopbackServer]:
    async with running_server() as running:
        yield running


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_openai_lists_models_with_the_bearer_key_and_discovers_them(server: LoopbackServer) -> None:
    server.route("GET", "/v1/models", reply(200, {"object": "list", "data": [{"id": "llama3.1"}, {"id": "qwen2"}]}))
    endpoint = Endpoint("openai", f"{server.url}/v1", KEY)
    result = await check_connection(endpoint)
    assert result.ok and result.message == "Connected: the server lists 2 models."
    assert server.calls("GET", "/v1/models")[0].headers["authorization"] == f"Bearer {KEY}"
    assert await discover_models(endpoint) == ["llama3.1", "qwen2"]


async def test_comfyui_checks_system_stats_and_discovers_its_checkpoints(server: LoopbackServer) -> None:
    peer = ComfyPeer(server)
    endpoint = Endpoint("comfyui", server.url, "")
    result = await check_connection(endpoint)
    assert result.ok and result.message == "Connected to ComfyUI 0.3.40."
    assert await discover_models(endpoint) == list(CHECKPOINTS)
    await peer.close()


async def test_replicate_automatic1111_and_fal_make_their_cheap_calls(server: LoopbackServer) -> None:
    server.route("GET", "/v1/account", reply(200, {"type": "user", "username": "ada"}))
    server.route("GET", "/sdapi/v1/sd-models", reply(200, [{"title": "sdxl"}]))
    probe = "/fal-ai/flux/requests/00000000-0000-0000-0000-000000000000/status"
    server.route("GET", probe, reply(404, {"detail": "Request not found"}))
    assert (await check_connection(Endpoint("replicate", server.url, KEY))).message == "Connected to Replicate as ada."
    a1111 = await check_connection(Endpoint("automatic1111", server.url, "me:pw"))
    assert a1111.ok and server.calls("GET", "/sdapi/v1/sd-models")[0].headers["authorization"].startswith("Basic ")
    fal = await check_connection(Endpoint("fal", server.url, KEY))
    assert fal.ok and server.calls("GET", probe)[0].headers["authorization"] == f"Key {KEY}"


async def test_a_refused_key_says_so_with_the_servers_words(server: LoopbackServer) -> None:
    server.route("GET", "/v1/models", reply(401, {"error": {"message": "Incorrect API key provided",
                                                            "code": "invalid_api_key"}}))
    result = await check_connection(Endpoint("openai", f"{server.url}/v1", KEY))
    assert not result.ok and result.code == "bad_key"
    assert "refused the credentials (HTTP 401: Incorrect API key provided)" in result.message
    assert KEY not in result.message


async def test_unreachable_tls_and_timeout_are_told_apart(server: LoopbackServer) -> None:
    port = closed_port()
    down = await check_connection(Endpoint("comfyui", f"http://127.0.0.1:{port}", ""))
    assert not down.ok and down.code == "unreachable"
    assert down.message.startswith(f"Cannot reach http://127.0.0.1:{port}: connection refused")
    tls = await check_connection(Endpoint("comfyui", server.url.replace("http://", "https://"), ""))
    assert not tls.ok and tls.code == "tls" and tls.message.startswith("TLS failed with https://127.0.0.1")

    async def hang(_request: object) -> object:
        return await server.hang()

    server.route("GET", "/system_stats", hang)
    slow = await check_connection(Endpoint("comfyui", server.url, ""), limit_s=0.3)
    assert not slow.ok and slow.code == "timeout"
    assert slow.message.startswith(f"No answer from {server.url} within 0.3 s")


async def test_a_server_of_another_kind_and_a_bad_url_are_named(server: LoopbackServer) -> None:
    server.route("GET", "/system_stats", reply(200, text="<html>router login</html>"))
    other = await check_connection(Endpoint("comfyui", server.url, ""))
    assert not other.ok and other.message.endswith("answered, but not with JSON: is this a comfyui server?")
    bad = await check_connection(Endpoint("openai", "localhost:11434", ""))
    assert not bad.ok and bad.code == "config" and "must start with http:// or https://" in bad.message
    with pytest.raises(CheckFailed, match="Discover models works for openai and comfyui"):
        await discover_models(Endpoint("fal", server.url, KEY))
