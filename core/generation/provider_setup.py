"""Build provider adapters from the provider rows and the settings (keys never live in the database)."""

from __future__ import annotations

from collections.abc import Callable

from core.config import Settings
from core.generation.providers.base import ImageProvider
from core.models import ApiProvider

ProviderFactory = Callable[[ApiProvider], ImageProvider]


def credentials(settings: Settings, provider: ApiProvider) -> tuple[str, str | None]:
    """(api key, base URL) for a provider row: the row's base URL wins over the settings' default."""
    key = {"fal": settings.fal_key, "replicate": settings.replicate_api_token,
           "openai": settings.openai_api_key}.get(provider.name, "")
    base = provider.base_url or {"openai": settings.openai_base_url, "automatic1111": settings.a1111_url}.get(
        provider.name) or None
    return key, base


def is_configured(settings: Settings, provider: ApiProvider) -> bool:
    """Whether the settings carry what this provider needs to be switched on."""
    key, base = credentials(settings, provider)
    if provider.name == "builtin":
        return True
    if provider.name == "automatic1111":
        return bool(settings.a1111_url or provider.base_url)
    return bool(key)


def default_factory(settings: Settings) -> ProviderFactory:
    def make(provider: ApiProvider) -> ImageProvider:
        if provider.name == "builtin":
            from core.generation.providers.builtin import BuiltinProvider

            return BuiltinProvider()
        from core.generation.providers.registry import ProviderConfig, make_provider

        key, base = credentials(settings, provider)
        config = ProviderConfig(api_key=key or None, base_url=base, timeout_s=settings.provider_timeout_s,
                                extra=dict(provider.config or {}))
        return make_provider(provider.name, config)

    return make
