"""Providers for admins: list, add, edit, switch off, delete, test the connection, discover models.

A provider has a ``kind`` (its protocol, :data:`core.models.PROVIDER_KINDS`) and a ``name`` of the
admin's choosing, unique, so Ollama and OpenRouter can both be ``openai``. Its key is sealed at rest
(:mod:`core.credentials`); what leaves this module is a :class:`ProviderView`, which says whether a
key is there and shows its last 4 characters, never the key. Nothing here logs a key or puts one in
an event.

Adding a provider under the name of a seeded row that was never configured (inactive, no stored key,
same kind: the ``comfyui`` or ``openai`` placeholder a fresh install has; names compare without case)
takes that row over instead of failing on the name, so "add an openai provider named OpenAI" works on
a fresh instance as one would expect.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlmodel import Session, col, select

from core.admin.provider_checks import CheckFailed, CheckResult, Endpoint, check_connection, discover_models
from core.admin_access import require_admin
from core.context import Context
from core.credentials import Source, resolve, seal_key
from core.errors import NotFound, ValidationError
from core.generation.provider_setup import activation_records, first_activation, was_activated
from core.models import PROVIDER_KINDS, ApiModel, ApiProvider, SeedRecord, User, utcnow

log = logging.getLogger(__name__)

NAME_MAX = 40
KEY_MAX = 4096
PROVIDER_FIELDS = ("kind", "name", "base_url", "api_key", "active")


@dataclass(frozen=True)
class ProviderView:
    """A provider as an admin sees it: never the key, only whether there is one and its last 4 characters."""

    id: str
    kind: str
    name: str
    display_name: str
    base_url: str | None
    active: bool
    has_credentials: bool
    credential_hint: str
    credential_source: Source
    base_url_from_env: bool
    model_count: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class DiscoveredModel:
    model_key: str
    added: bool  # a model row with this key exists for the provider already


def list_providers(ctx: Context, actor: User) -> list[ProviderView]:
    require_admin(actor)
    with ctx.db.read() as session:
        counts = _model_counts(session)
        rows = session.exec(select(ApiProvider).order_by(col(ApiProvider.kind), col(ApiProvider.name))).all()
        return [_view(ctx, row, counts.get(row.id, 0)) for row in rows]


def get_provider(ctx: Context, actor: User, provider_id: str) -> ProviderView:
    require_admin(actor)
    with ctx.db.read() as session:
        row = _row(session, provider_id)
        return _view(ctx, row, _model_counts(session).get(row.id, 0))


def create_provider(ctx: Context, actor: User, data: Mapping[str, Any]) -> ProviderView:
    """A new provider (active unless ``active`` is false); a never-configured seeded row of the same
    name and kind is taken over instead (see the module's docstring)."""
    require_admin(actor)
    values = _clean(data, creating=True)
    with ctx.db.write() as session:
        row = _claimable(session, values["name"], values["kind"])
        seeded = row is not None
        if row is None:
            _check_name_free(session, values["name"])
            row = ApiProvider(kind=values["kind"], name=values["name"], display_name=values["name"],
                              base_url=values.get("base_url"), is_active=False)
            session.add(row)
            session.flush()
        else:  # the seeded placeholder, now the admin's: their spelling of the name, their URL
            row.name = row.display_name = values["name"]
            if "base_url" in values:
                row.base_url = values["base_url"]
        _apply_key(ctx, row, values)
        _switch(session, row, values.get("active", True), seeded=seeded)
        row.updated_at = utcnow()
        session.add(row)
        session.flush()
        log.info("admin %s added provider %r (%s)", actor.id, row.name, row.kind)
        return _view(ctx, row, _model_counts(session).get(row.id, 0))


def update_provider(ctx: Context, actor: User, provider_id: str, data: Mapping[str, Any]) -> ProviderView:
    """Change what ``data`` names. ``api_key``: absent or null keeps the stored key, ``""`` removes it."""
    require_admin(actor)
    values = _clean(data, creating=False)
    with ctx.db.write() as session:
        row = _row(session, provider_id)
        seeded = _is_seeded(session, row)
        if "kind" in values and values["kind"] != row.kind:
            raise ValidationError({"kind": "A provider's kind cannot change: add a provider of the other kind"})
        if "name" in values and values["name"] != row.name:
            _check_name_free(session, values["name"], except_id=row.id)
            row.name = row.display_name = values["name"]
        if "base_url" in values:
            row.base_url = values["base_url"]
        _apply_key(ctx, row, values)
        if "active" in values:
            _switch(session, row, values["active"], seeded=seeded)
        row.updated_at = utcnow()
        session.add(row)
        session.flush()
        log.info("admin %s edited provider %r (%s)", actor.id, row.name, ", ".join(sorted(values)))
        return _view(ctx, row, _model_counts(session).get(row.id, 0))


def delete_provider(ctx: Context, actor: User, provider_id: str) -> None:
    """Delete the provider and its models (jobs keep their history, without the model)."""
    require_admin(actor)
    with ctx.db.write() as session:
        row = _row(session, provider_id)
        for model in session.exec(select(ApiModel).where(ApiModel.provider_id == row.id)):
            session.delete(model)
        session.delete(row)
        log.info("admin %s deleted provider %r (%s)", actor.id, row.name, row.kind)


async def test_provider(ctx: Context, actor: User, provider_id: str) -> CheckResult:
    """A real, cheap call to the provider with its stored (or environment) key and URL."""
    endpoint, problem = await _endpoint(ctx, actor, provider_id)
    if problem:
        return CheckResult(False, problem, "credentials_unreadable")
    return await check_connection(endpoint)


async def discover(ctx: Context, actor: User, provider_id: str) -> list[DiscoveredModel]:
    """What an ``openai`` or ``comfyui`` provider's server offers; ``ValidationError`` with the reason
    when the server cannot be asked."""
    endpoint, problem = await _endpoint(ctx, actor, provider_id)
    if problem:
        raise ValidationError({"api_key": problem})
    try:
        keys = await discover_models(endpoint)
    except CheckFailed as exc:
        raise ValidationError({"provider": exc.message}) from exc
    existing = await asyncio.to_thread(_model_keys, ctx, provider_id)
    return [DiscoveredModel(key, key in existing) for key in keys]


# -- helpers ----------------------------------------------------------------------------------------

async def _endpoint(ctx: Context, actor: User, provider_id: str) -> tuple[Endpoint, str | None]:
    require_admin(actor)

    def read() -> tuple[Endpoint, str | None]:
        with ctx.db.read() as session:
            row = _row(session, provider_id)
            resolved = resolve(ctx.settings, row)
            return Endpoint(row.kind, resolved.base_url, resolved.api_key), resolved.problem

    return await asyncio.to_thread(read)


def _model_keys(ctx: Context, provider_id: str) -> set[str]:
    with ctx.db.read() as session:
        return set(session.exec(select(ApiModel.model_key).where(ApiModel.provider_id == provider_id)).all())


def _row(session: Session, provider_id: str) -> ApiProvider:
    row = session.get(ApiProvider, provider_id)
    if row is None:
        raise NotFound("Provider not found")
    return row


def _model_counts(session: Session) -> dict[str, int]:
    rows = session.exec(select(ApiModel.provider_id, sa.func.count()).group_by(col(ApiModel.provider_id)))
    return {provider_id: int(count) for provider_id, count in rows}


def _view(ctx: Context, row: ApiProvider, model_count: int) -> ProviderView:
    resolved = resolve(ctx.settings, row)
    return ProviderView(
        id=row.id, kind=row.kind, name=row.name, display_name=row.display_name, base_url=row.base_url,
        active=row.is_active, has_credentials=bool(row.credentials) or resolved.key_source == "environment",
        credential_hint=resolved.key_hint, credential_source=resolved.key_source,
        base_url_from_env=resolved.url_from_env, model_count=model_count,
        created_at=row.created_at, updated_at=row.updated_at)


def _clean(data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """The fields ``data`` sets, checked; every problem at its field."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    unknown = set(data) - set(PROVIDER_FIELDS)
    if unknown:
        errors["_"] = f"Unknown field(s): {', '.join(sorted(unknown))}"
    kind = data.get("kind")
    if "kind" in data or creating:
        if kind not in PROVIDER_KINDS:
            errors["kind"] = f"Kind must be one of: {', '.join(PROVIDER_KINDS)}"
        else:
            values["kind"] = kind
    name = data.get("name")
    if "name" in data or creating:
        if not isinstance(name, str) or not name.strip():
            errors["name"] = "Give the provider a name"
        elif len(name.strip()) > NAME_MAX:
            errors["name"] = f"The name is longer than {NAME_MAX} characters"
        else:
            values["name"] = name.strip()
    if data.get("base_url") is not None:
        base = data["base_url"]
        problem = _url_problem(base)
        if problem:
            errors["base_url"] = problem
        else:
            values["base_url"] = base.strip().rstrip("/") or None
    elif "base_url" in data:
        values["base_url"] = None
    key = data.get("api_key")
    if key is not None:
        if not isinstance(key, str):
            errors["api_key"] = "The API key must be text"
        elif len(key) > KEY_MAX:
            errors["api_key"] = f"The API key is longer than {KEY_MAX} characters"
        elif any(ch in key for ch in "\r\n"):
            errors["api_key"] = "The API key must be one line"
        else:
            values["api_key"] = key.strip()
    if data.get("active") is not None:
        if not isinstance(data["active"], bool):
            errors["active"] = "Active must be true or false"
        else:
            values["active"] = data["active"]
    if errors:
        raise ValidationError(errors)
    return values


def _url_problem(base: Any) -> str | None:
    if not isinstance(base, str):
        return "The base URL must be text"
    if not base.strip():
        return None
    parts = urlsplit(base.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "The base URL must be an http:// or https:// address, such as http://127.0.0.1:8188"
    return None


def _check_name_free(session: Session, name: str, except_id: str | None = None) -> None:
    for row in session.exec(select(ApiProvider)):
        if row.name.casefold() == name.casefold() and row.id != except_id:
            raise ValidationError({"name": f"A provider named {row.name!r} already exists"})


def _claimable(session: Session, name: str, kind: str) -> ApiProvider | None:
    """The seeded, never-configured row of this name (in any case) and kind, if there is one."""
    row = next((p for p in session.exec(select(ApiProvider)) if p.name.casefold() == name.casefold()), None)
    if row is None or row.kind != kind or row.is_active or row.credentials:
        return None
    return row if _is_seeded(session, row) and not was_activated(row, activation_records(session)) else None


def _is_seeded(session: Session, row: ApiProvider) -> bool:
    return session.get(SeedRecord, ("provider", row.name)) is not None


def _apply_key(ctx: Context, row: ApiProvider, values: Mapping[str, Any]) -> None:
    if "api_key" in values:
        row.credentials = seal_key(ctx.settings, values["api_key"]) if values["api_key"] else None


def _switch(session: Session, row: ApiProvider, active: bool, *, seeded: bool) -> None:
    """Switching on a seeded provider for the first time switches on its models too (as its environment
    variable would have); after that, models keep their own switch."""
    if active and seeded and not row.is_active and not was_activated(row, activation_records(session)):
        first_activation(session, row)
    row.is_active = active
