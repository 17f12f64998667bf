"""Build provider adapters from the provider rows and the settings (keys never live in the database)."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select

from core.config import Settings
from core.db import Database
from core.generation.providers.base import ImageProvider
from core.models import ApiModel, ApiProvider, SeedRecord, utcnow

ProviderFactory = Callable[[ApiProvider], ImageProvider]
ACTIVATION = "provider-activation"


def credentials(settings: Settings, provider: ApiProvider) -> tuple[str, str | None]:
    """(api key, base URL) for a provider row: a URL set in the environment wins over the row's."""
    key = {"fal": settings.fal_key, "replicate": settings.replicate_api_token,
           "openai": settings.openai_api_key}.get(provider.name, "")
    configured = {"openai": settings.openai_base_url if "openai_base_url" in settings.model_fields_set else "",
                  "automatic1111": settings.a1111_url}.get(provider.name, "")
    return key, configured or provider.base_url or None


def is_configured(settings: Settings, provider: ApiProvider) -> bool:
    """Whether the settings carry what this provider needs to be switched on."""
    key, base = credentials(settings, provider)
    if provider.name == "builtin":
        return True
    if provider.name == "automatic1111":
        return bool(settings.a1111_url)
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


def activate_configured_providers(db: Database, settings: Settings) -> list[str]:
    """Switch on, once, each seeded provider (and its models) whose key or URL the settings now carry.

    A provider is activated the first time its credentials appear; the activation is recorded, so a
    provider an admin switches off later stays off across restarts.
    """
    activated: list[str] = []
    with db.write() as session:
        done = {r.key for r in session.exec(select(SeedRecord).where(SeedRecord.kind == ACTIVATION))}
        for provider in session.exec(select(ApiProvider)):
            if provider.name in done or provider.is_active or not is_configured(settings, provider):
                continue
            provider.is_active = True
            provider.updated_at = utcnow()
            session.add(provider)
            for model in session.exec(select(ApiModel).where(ApiModel.provider_id == provider.id)):
                model.is_active = True
                model.updated_at = utcnow()
                session.add(model)
            session.add(SeedRecord(kind=ACTIVATION, key=provider.name))
            activated.append(provider.name)
    return activated
