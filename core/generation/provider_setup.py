"""Build provider adapters from the provider rows and the settings (keys never live in the database)."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select

from core.config import Settings
from core.credentials import credentials, is_configured
from core.db import Database
from core.generation.providers.base import ImageProvider
from core.models import ApiModel, ApiProvider, SeedRecord, utcnow
from core.workers import Workers

ProviderFactory = Callable[[ApiProvider], ImageProvider]
ACTIVATION = "provider-activation"


def default_factory(settings: Settings, workers: Workers) -> ProviderFactory:
    """Adapters for provider rows (the generation service keeps one per row)."""

    def make(provider: ApiProvider) -> ImageProvider:
        if provider.name == "builtin":
            from core.generation.providers.builtin import BuiltinProvider

            return BuiltinProvider(workers)
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
