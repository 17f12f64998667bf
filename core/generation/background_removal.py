"""The optional background-removal step: an image in, the same image cut out (transparent PNG) back.

An expression set asked for a transparent background, from a provider that paints one, can send each
sprite through a background remover: a model whose capabilities say ``background_removal`` (fal's
``fal-ai/birefnet``, Replicate's ``851-labs/background-remover``). Those models are never routed for
portraits (:mod:`core.generation.routing`); this module is the one place that asks for them.

Use::

    removed = await remove_background(ctx.db, service.provider_for, sprite_bytes,
                                      timeout_s=ctx.settings.provider_timeout_s, fetch=service.fetch_bytes)
    if removed is None:      # no background remover is active: keep the plain background
        ...
    else:                    # removed.data: the cut-out bytes, still to go through the image gate
        ...                  # removed.model.model.display_name: which model did it (for the UI)

It returns None when no such model is active, so "transparent when it can be" needs no special
case. It tries the removers by priority while failures are retryable (a timeout is one), and raises
the last :class:`ProviderError` when none succeeds: the caller decides whether a failed removal fails
the sprite or keeps it with its plain background. The bytes are not gated here; the caller stores
them through the gate like any other provider image.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.db import Database
from core.generation.providers.base import (
    GeneratedImage,
    GenerationRequest,
    ImageProvider,
    ProgressCallback,
    ProviderError,
)
from core.generation.routing import NoModelAvailable, RoutedModel, route_image_request

log = logging.getLogger(__name__)

ProviderFor = Callable[[RoutedModel], Awaitable[ImageProvider]]
FetchBytes = Callable[[GeneratedImage], Awaitable[bytes]]


@dataclass(frozen=True)
class RemovedBackground:
    """The cut-out image's bytes, the model that made it, and the provider's answer as given."""

    data: bytes
    model: RoutedModel
    image: GeneratedImage


def removal_request(routed: RoutedModel, data: bytes) -> GenerationRequest:
    """The request a background remover gets: its row's defaults and wiring, the image as the reference."""
    return GenerationRequest(prompt="", model_key=routed.model.model_key,
                             input_defaults=dict(routed.model.input_defaults or {}),
                             capabilities=dict(routed.model.capabilities or {}), reference_image=data,
                             transparent=True)


async def remove_background(db: Database, provider_for: ProviderFor, data: bytes, *, timeout_s: float,
                            fetch: FetchBytes, api_model_id: str | None = None,
                            progress: ProgressCallback | None = None) -> RemovedBackground | None:
    """``data`` with its background removed by the best active remover, or None when none is active.

    ``provider_for`` builds (or reuses) the adapter of a routed model and ``fetch`` turns the
    provider's answer (bytes, a data URI or a URL) into bytes: pass the generation service's own, so
    adapters and the download client are shared. ``timeout_s`` bounds each model's attempt, the
    download included. ``api_model_id`` names a remover to try first.
    """
    if not data:
        raise ValueError("remove_background needs the image's bytes")
    try:
        candidates = await asyncio.to_thread(route_image_request, db, api_model_id=api_model_id, i2i=True,
                                             background_removal=True)
    except NoModelAvailable:
        return None
    report = progress or (lambda _progress: None)
    failure: ProviderError | None = None
    for routed in candidates:
        try:
            async with asyncio.timeout(timeout_s):
                provider = await provider_for(routed)
                image = await provider.generate(removal_request(routed, data), report)
                removed = await fetch(image)
            return RemovedBackground(removed, routed, image)
        except TimeoutError:
            failure = ProviderError(f"{routed.model.display_name} timed out removing the background",
                                    retryable=True, code="timeout")
        except ProviderError as exc:
            if not exc.retryable:
                raise
            failure = exc
        log.warning("background removal with %s failed (%s)", routed.model.model_key, failure.message)
    assert failure is not None  # candidates is never empty: routing raised NoModelAvailable instead
    raise failure
