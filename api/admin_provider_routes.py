"""``/api/v1/admin/providers``: providers for admins (bearer token of an admin; others 403, none 401).

Responses say ``has_credentials`` and ``credential_hint`` (the key's last 4 characters), never the key.
The rules live in :mod:`core.admin.providers`; this module only maps HTTP onto it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.deps import AdminUser, StudioDep
from api.schemas import DiscoveredModelOut, ErrorOut, ProviderAdminOut, ProviderCheckOut, ProviderIn, ProviderPatch
from core.admin import providers

router = APIRouter(prefix="/api/v1/admin/providers", tags=["admin"],
                   responses={code: {"model": ErrorOut} for code in (400, 401, 403, 404)})


@router.get("", response_model=list[ProviderAdminOut])
def list_providers(admin: AdminUser, studio: StudioDep) -> Any:
    return providers.list_providers(studio.ctx, admin)


@router.post("", response_model=ProviderAdminOut, status_code=201)
def create_provider(body: ProviderIn, admin: AdminUser, studio: StudioDep) -> Any:
    return providers.create_provider(studio.ctx, admin, body.model_dump(exclude_unset=True))


@router.get("/{provider_id}", response_model=ProviderAdminOut)
def get_provider(provider_id: str, admin: AdminUser, studio: StudioDep) -> Any:
    return providers.get_provider(studio.ctx, admin, provider_id)


@router.patch("/{provider_id}", response_model=ProviderAdminOut)
def update_provider(provider_id: str, body: ProviderPatch, admin: AdminUser, studio: StudioDep) -> Any:
    return providers.update_provider(studio.ctx, admin, provider_id, body.model_dump(exclude_unset=True))


@router.delete("/{provider_id}", status_code=204)
def delete_provider(provider_id: str, admin: AdminUser, studio: StudioDep) -> Response:
    providers.delete_provider(studio.ctx, admin, provider_id)
    return Response(status_code=204)


@router.post("/{provider_id}/test", response_model=ProviderCheckOut)
async def test_provider(provider_id: str, admin: AdminUser, studio: StudioDep) -> Any:
    """A real, cheap call with the provider's key and URL; ``ok: false`` says exactly why it failed."""
    return await providers.test_provider(studio.ctx, admin, provider_id)


@router.post("/{provider_id}/discover", response_model=list[DiscoveredModelOut])
async def discover_models(provider_id: str, admin: AdminUser, studio: StudioDep) -> Any:
    """What an openai or comfyui provider's server offers (``GET /v1/models``; ComfyUI's checkpoints)."""
    return await providers.discover(studio.ctx, admin, provider_id)
