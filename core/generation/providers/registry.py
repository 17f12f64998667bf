"""Provider kind -> adapter, from settings and the ``api_providers`` row.

The pipeline knows a model's provider by its row; the row's ``kind`` (``api_providers.kind``) names the
protocol, and its ``name`` is only the admin's label. This is the one place that turns a kind plus
configuration into an adapter, so adding a protocol is one branch here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.generation.providers.base import ImageProvider, ProviderError

# Tuning keys every HTTP adapter accepts from ``extra`` (e.g. the api_providers.config JSON).
_TUNING = ("request_timeout", "attempts", "base_delay", "max_delay")


@dataclass(frozen=True)
class ProviderConfig:
    """Where and how to reach a provider: key, base URL, overall timeout, protocol-specific extras.

    ``extra`` may hold ``attempts``, ``base_delay``, ``max_delay``, ``request_timeout``,
    ``poll_interval``, ``cancel_timeout`` for any adapter; fal also reads ``run_base``,
    ``queue_base``, ``mode``; Replicate ``wait_s`` (or ``prefer_wait_s``); Automatic1111
    ``username``/``password``; ComfyUI takes its workflow from the model row. Unknown keys (like
    ``api_key_env``) are ignored. For fal, ``base_url`` is the queue base (as in the seeded row) and
    wins over ``extra["queue_base"]``.
    """

    api_key: str | None = None
    base_url: str | None = None
    timeout_s: float = 120.0
    extra: dict[str, Any] = field(default_factory=dict)

    def pick(self, *names: str) -> dict[str, Any]:
        return {name: self.extra[name] for name in names if self.extra.get(name) is not None}


PROVIDER_KINDS = ("builtin", "fal", "replicate", "openai", "automatic1111", "comfyui")
PROVIDER_NAMES = PROVIDER_KINDS  # the name they had while a row's name was its protocol


def make_provider(kind: str, config: ProviderConfig) -> ImageProvider:
    """The adapter for ``kind``; an unknown kind is a non-retryable ProviderError (a config mistake)."""
    if kind == "fal":
        from core.generation.providers.fal import FalProvider

        return FalProvider(
            config.api_key or "",
            run_base=config.extra.get("run_base") or "https://fal.run",
            queue_base=config.base_url or config.extra.get("queue_base") or "https://queue.fal.run",
            mode=config.extra.get("mode") or "queue",
            timeout=config.timeout_s,
            **config.pick(*_TUNING, "poll_interval", "cancel_timeout"),
        )
    if kind == "replicate":
        from core.generation.providers.replicate import ReplicateProvider

        wait = config.extra.get("wait_s", config.extra.get("prefer_wait_s", 60))
        return ReplicateProvider(
            config.api_key or "",
            base_url=config.base_url or "https://api.replicate.com",
            wait_s=int(wait),
            timeout=config.timeout_s,
            **config.pick(*_TUNING, "poll_interval", "cancel_timeout"),
        )
    if kind in ("openai", "openai_images"):
        from core.generation.providers.openai_images import OpenAIImagesProvider

        return OpenAIImagesProvider(
            config.api_key or None,
            base_url=config.base_url or "https://api.openai.com/v1",
            timeout=config.timeout_s,
            **config.pick(*_TUNING),
        )
    if kind == "automatic1111":
        from core.generation.providers.automatic1111 import Automatic1111Provider

        return Automatic1111Provider(
            config.base_url or "http://127.0.0.1:7860",
            username=config.extra.get("username") or None,
            password=config.extra.get("password") or None,
            timeout=config.timeout_s,
            **config.pick(*_TUNING, "poll_interval", "cancel_timeout"),
        )
    if kind == "comfyui":
        from core.generation.providers.comfyui import ComfyUIProvider

        return ComfyUIProvider(
            config.base_url or "http://127.0.0.1:8188",
            timeout=config.timeout_s,
            **config.pick(*_TUNING, "poll_interval", "cancel_timeout"),
        )
    raise ProviderError(f"unknown provider {kind!r} (known: {', '.join(PROVIDER_KINDS)})", code="unknown_provider")
