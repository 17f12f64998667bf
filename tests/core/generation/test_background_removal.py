"""The background-removal step against loopback fal and Replicate peers, from the seeded model rows.

Real adapters built by the registry from the rows, a real download of the provider's URL: what is
proved is the request each remover gets (the image in its own input, its defaults, no prompt) and
that the cut-out's bytes come back unchanged, plus the choice between removers and their failures.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlmodel import select

from core.db import Database
from core.generation.background_removal import FetchBytes, remove_background
from core.generation.persist import fetch_image_bytes
from core.generation.providers._http import to_data_uri
from core.generation.providers.base import GeneratedImage, ImageProvider, ProviderError
from core.generation.providers.registry import ProviderConfig, make_provider
from core.generation.routing import RoutedModel
from core.models import ApiModel, ApiProvider
from core.seed import seed_database
from storage.images import ImageLimits
from tests.support.provider_servers import (
    CUT_OUT_PATH,
    FAL_BIREFNET,
    REPLICATE_REMOVER_VERSION,
    LoopbackServer,
    png_bytes,
    reply,
    running_server,
    serve_fal_birefnet,
    serve_replicate_background_remover,
    transparent_png,
)

SPRITE = png_bytes((240, 240, 240), size=32)  # the sprite with its plain background
CUT_OUT = transparent_png()
REPLICATE_REMOVER = "851-labs/background-remover"


@pytest.fixture
async def server() -> AsyncIterator[LoopbackServer]:
    async with running_server() as running:
        yield running


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


def activate(db: Database, *model_keys: str) -> None:
    """Switch on the seeded rows of these models and their providers (as a configured key would)."""
    with db.write() as session:
        for key in model_keys:
            model = session.exec(select(ApiModel).where(ApiModel.model_key == key)).one()
            provider = session.get(ApiProvider, model.provider_id)
            assert provider is not None
            model.is_active = provider.is_active = True
            session.add(model)
            session.add(provider)


class Adapters:
    """``provider_for`` as the generation service offers it: one adapter per row, built by the registry,
    here pointed at the loopback peer and told not to retry (each test decides what fails)."""

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        self.built: dict[str, ImageProvider] = {}

    async def __call__(self, routed: RoutedModel) -> ImageProvider:
        if routed.provider.id not in self.built:
            extra = {"attempts": 1, "poll_interval": 0.005, "cancel_timeout": 0.5, "run_base": self.server.url,
                     "wait_s": 5}
            config = ProviderConfig(api_key="test-key", base_url=self.server.url, timeout_s=5.0, extra=extra)
            self.built[routed.provider.id] = make_provider(routed.provider.kind, config)
        return self.built[routed.provider.id]

    async def aclose(self) -> None:
        for adapter in self.built.values():
            await adapter.aclose()


@pytest.fixture
async def adapters(server: LoopbackServer) -> AsyncIterator[Adapters]:
    made = Adapters(server)
    yield made
    await made.aclose()


def fetcher(client: httpx.AsyncClient) -> FetchBytes:
    async def fetch(image: GeneratedImage) -> bytes:
        return await fetch_image_bytes(image, ImageLimits(), 5.0, client)

    return fetch


async def test_none_when_no_background_remover_is_active(db: Database, adapters: Adapters,
                                                         client: httpx.AsyncClient) -> None:
    seed_database(db)  # the removers are seeded switched off; the built-in renderer is on
    assert await remove_background(db, adapters, SPRITE, timeout_s=5.0, fetch=fetcher(client)) is None
    assert adapters.built == {}


async def test_fal_birefnet_gets_the_image_as_image_url_and_its_cut_out_comes_back(
        db: Database, server: LoopbackServer, adapters: Adapters, client: httpx.AsyncClient) -> None:
    seed_database(db)
    activate(db, FAL_BIREFNET)
    serve_fal_birefnet(server, CUT_OUT)

    removed = await remove_background(db, adapters, SPRITE, timeout_s=5.0, fetch=fetcher(client))

    assert removed is not None
    assert removed.data == CUT_OUT
    assert removed.model.model.model_key == FAL_BIREFNET
    (submitted,) = server.calls("POST", f"/{FAL_BIREFNET}")
    assert submitted.headers["authorization"] == "Key test-key"
    assert submitted.json() == {"image_url": to_data_uri(SPRITE), "model": "General Use (Light)",
                                "operating_resolution": "1024x1024", "output_format": "png"}
    assert len(server.calls("GET", CUT_OUT_PATH)) == 1


async def test_replicate_background_remover_gets_the_image_by_version_and_its_url_is_downloaded(
        db: Database, server: LoopbackServer, adapters: Adapters, client: httpx.AsyncClient) -> None:
    seed_database(db)
    activate(db, REPLICATE_REMOVER)
    serve_replicate_background_remover(server, CUT_OUT)

    removed = await remove_background(db, adapters, SPRITE, timeout_s=5.0, fetch=fetcher(client))

    assert removed is not None and removed.data == CUT_OUT
    assert removed.model.model.model_key == REPLICATE_REMOVER
    (created,) = server.calls("POST", "/v1/predictions")
    assert created.headers["authorization"] == "Bearer test-key"
    assert created.json() == {"version": REPLICATE_REMOVER_VERSION,
                              "input": {"image": to_data_uri(SPRITE), "format": "png", "background_type": "rgba"}}


async def test_fal_is_preferred_and_a_retryable_failure_falls_back_to_replicate(
        db: Database, server: LoopbackServer, adapters: Adapters, client: httpx.AsyncClient) -> None:
    seed_database(db)
    activate(db, FAL_BIREFNET, REPLICATE_REMOVER)
    serve_replicate_background_remover(server, CUT_OUT)
    server.route("POST", f"/{FAL_BIREFNET}", reply(503, {"detail": "overloaded"}))

    removed = await remove_background(db, adapters, SPRITE, timeout_s=5.0, fetch=fetcher(client))

    assert removed is not None and removed.model.model.model_key == REPLICATE_REMOVER
    assert len(server.calls("POST", f"/{FAL_BIREFNET}")) == 1  # tried first, by priority
    assert removed.data == CUT_OUT


async def test_a_refused_image_is_raised_not_retried_elsewhere(
        db: Database, server: LoopbackServer, adapters: Adapters, client: httpx.AsyncClient) -> None:
    seed_database(db)
    activate(db, FAL_BIREFNET, REPLICATE_REMOVER)
    serve_replicate_background_remover(server, CUT_OUT)
    server.route("POST", f"/{FAL_BIREFNET}", reply(422, {"detail": [{"msg": "image_url: unsupported image"}]}))

    with pytest.raises(ProviderError) as info:
        await remove_background(db, adapters, SPRITE, timeout_s=5.0, fetch=fetcher(client))
    assert not info.value.retryable
    assert server.calls("POST", "/v1/predictions") == []


async def test_a_remover_that_hangs_times_out_with_a_clear_error(
        db: Database, server: LoopbackServer, adapters: Adapters, client: httpx.AsyncClient) -> None:
    seed_database(db)
    activate(db, FAL_BIREFNET)

    async def hang(_request: object) -> object:
        return await server.hang()

    server.route("POST", f"/{FAL_BIREFNET}", hang)  # type: ignore[arg-type]

    with pytest.raises(ProviderError) as info:
        await remove_background(db, adapters, SPRITE, timeout_s=0.3, fetch=fetcher(client))
    assert info.value.code == "timeout" and "timed out" in info.value.message


async def test_empty_bytes_are_refused_before_anything_is_sent(db: Database, adapters: Adapters,
                                                               client: httpx.AsyncClient) -> None:
    with pytest.raises(ValueError, match="needs the image"):
        await remove_background(db, adapters, b"", timeout_s=5.0, fetch=fetcher(client))
