"""make_provider: each name gives the right adapter wired from the config; adapters close what they own."""

from __future__ import annotations

import httpx
import pytest

from core.config import Settings
from core.generation.provider_setup import default_factory
from core.generation.providers.automatic1111 import Automatic1111Provider
from core.generation.providers.base import ProviderError
from core.generation.providers.builtin import BuiltinProvider
from core.generation.providers.fal import FalProvider
from core.generation.providers.openai_images import OpenAIImagesProvider
from core.generation.providers.registry import ProviderConfig, make_provider
from core.generation.providers.replicate import ReplicateProvider
from core.models import ApiProvider
from core.workers import Workers

SECRET = "key-should-never-show-0123"


async def test_fal_takes_the_row_base_url_as_queue_base_and_its_extras() -> None:
    provider = make_provider("fal", ProviderConfig(api_key=SECRET, base_url="http://proxy.local/queue", timeout_s=9,
                                                   extra={"run_base": "http://proxy.local/run", "mode": "sync",
                                                          "attempts": 5, "api_key_env": "FAL_KEY"}))
    assert isinstance(provider, FalProvider)
    assert (provider.queue_base, provider.run_base, provider.mode) == (
        "http://proxy.local/queue", "http://proxy.local/run", "sync")
    assert provider.timeout == 9 and provider.attempts == 5 and SECRET not in repr(provider)
    await provider.aclose()


async def test_replicate_reads_the_seeded_prefer_wait() -> None:
    provider = make_provider("replicate", ProviderConfig(api_key=SECRET, extra={"prefer_wait_s": 30}))
    assert isinstance(provider, ReplicateProvider)
    assert provider.base_url == "https://api.replicate.com" and provider.wait_s == 30
    await provider.aclose()


async def test_openai_works_without_a_key_for_local_servers() -> None:
    provider = make_provider("openai", ProviderConfig(base_url="http://127.0.0.1:8080/v1"))
    assert isinstance(provider, OpenAIImagesProvider) and provider.base_url == "http://127.0.0.1:8080/v1"
    assert "authorization" not in {name.lower() for name in provider._headers()}
    await provider.aclose()


async def test_automatic1111_gets_basic_auth_from_extras() -> None:
    provider = make_provider("automatic1111", ProviderConfig(base_url="http://gpu-box:7860", timeout_s=300,
                                                             extra={"username": "me", "password": SECRET}))
    assert isinstance(provider, Automatic1111Provider) and provider.base_url == "http://gpu-box:7860"
    assert SECRET not in repr(provider)
    await provider.aclose()


async def test_builtin_rows_get_the_offline_renderer_on_the_given_workers() -> None:
    workers = Workers(processes=1)
    provider = default_factory(Settings(), workers)(ApiProvider(name="builtin", display_name="Built-in"))
    assert isinstance(provider, BuiltinProvider) and provider.workers is workers
    await provider.aclose()


def test_an_unknown_provider_is_a_non_retryable_provider_error() -> None:
    with pytest.raises(ProviderError, match="unknown provider 'comfy'") as caught:
        make_provider("comfy", ProviderConfig())
    assert not caught.value.retryable and caught.value.code == "unknown_provider"


async def test_adapters_close_only_the_client_they_created() -> None:
    own = FalProvider("k")
    await own.aclose()
    assert own._client.is_closed
    async with httpx.AsyncClient() as shared:
        borrowed = FalProvider("k", client=shared)
        await borrowed.aclose()
        assert not shared.is_closed
