"""Build provider adapters from the provider rows (by their ``kind``, their protocol) and switch on the
seeded rows whose keys the environment carries. Keys come from :mod:`core.credentials`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session, col, select

from core.config import Settings
from core.credentials import credentials, is_configured
from core.db import Database
from core.generation.providers.base import ImageProvider
from core.generation.providers.registry import ProviderConfig
from core.models import ApiModel, ApiProvider, SeedRecord, utcnow
from core.workers import Workers

ProviderFactory = Callable[[ApiProvider], ImageProvider]
ACTIVATION = "provider-activation"
MODEL_ACTIVATION = "model-activation"


def default_factory(settings: Settings, workers: Workers) -> ProviderFactory:
    """Adapters for provider rows (the generation service keeps one per row)."""

    def make(provider: ApiProvider) -> ImageProvider:
        if provider.kind == "builtin":
            from core.generation.providers.builtin import BuiltinProvider

            return BuiltinProvider(workers)
        from core.generation.providers.registry import make_provider

        return make_provider(provider.kind, provider_config(settings, provider))

    return make


def provider_config(settings: Settings, provider: ApiProvider, timeout_s: float | None = None) -> ProviderConfig:
    """What the adapter of ``provider`` is built with. An Automatic1111 key is ``user:password``
    (its ``--api-auth``); the row's ``config`` may name them apart too."""
    key, base = credentials(settings, provider)
    extra = dict(provider.config or {})
    if provider.kind == "automatic1111" and ":" in key:
        extra["username"], extra["password"] = key.split(":", 1)
    return ProviderConfig(api_key=key or None, base_url=base, timeout_s=timeout_s or settings.provider_timeout_s,
                          extra=extra)


def activate_configured_providers(db: Database, settings: Settings) -> list[str]:
    """Switch on, once, each seeded provider (and its models) whose key or URL the settings now carry.

    A provider is activated the first time its credentials appear; the activation is recorded, so a
    provider an admin switches off later stays off across restarts.
    """
    activated: list[str] = []
    with db.write() as session:
        done = activation_records(session)
        for provider in session.exec(select(ApiProvider)):
            if was_activated(provider, done) or provider.is_active or not is_configured(settings, provider):
                continue
            first_activation(session, provider)
            activated.append(provider.name)
        _activate_models_seeded_since(session)
    return activated


def _activate_models_seeded_since(session: Session) -> None:
    """Models a later release seeds for a provider that is already switched on (the face-consistent ones
    on an install whose FAL_KEY was set long ago) come on once, as they would have with the provider;
    recorded per model, so one an admin switches off stays off."""
    records = {(r.kind, r.key): r.created_at for r in session.exec(select(SeedRecord))}
    for provider in session.exec(select(ApiProvider).where(col(ApiProvider.is_active))):
        since = records.get((ACTIVATION, provider.id)) or records.get((ACTIVATION, provider.name))
        if since is None:
            continue
        for model in session.exec(select(ApiModel).where(ApiModel.provider_id == provider.id)):
            seeded = records.get(("model", f"{provider.name}:{model.model_key}")) or \
                records.get(("model", f"{provider.kind}:{model.model_key}"))
            if model.is_active or seeded is None or (MODEL_ACTIVATION, model.id) in records \
                    or _naive(seeded) <= _naive(since):
                continue
            model.is_active = True
            model.updated_at = utcnow()
            session.add(model)
            session.add(SeedRecord(kind=MODEL_ACTIVATION, key=model.id))


def _naive(moment: datetime) -> datetime:
    """UTC without its zone: SQLite hands timestamps back naive, PostgreSQL aware."""
    return moment.replace(tzinfo=None)


def activation_records(session: Session) -> set[str]:
    return {r.key for r in session.exec(select(SeedRecord).where(SeedRecord.kind == ACTIVATION))}


def was_activated(provider: ApiProvider, done: set[str]) -> bool:
    """Records are by row id; those from before kinds existed are by name (then the protocol's)."""
    return provider.id in done or (provider.name == provider.kind and provider.name in done)


def first_activation(session: Session, provider: ApiProvider) -> None:
    """Switch a provider on with all its models, the first time only (recorded): by the environment at
    start-up, or by an admin switching it on. A model switched off afterwards stays off."""
    provider.is_active = True
    provider.updated_at = utcnow()
    session.add(provider)
    for model in session.exec(select(ApiModel).where(ApiModel.provider_id == provider.id)):
        model.is_active = True
        model.updated_at = utcnow()
        session.add(model)
    session.add(SeedRecord(kind=ACTIVATION, key=provider.id))
