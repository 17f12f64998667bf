"""``/api/v1/admin/models``: models for admins (bearer token of an admin; others 403, none 401).

A ComfyUI model's workflow is its own field; ``input_defaults`` must be a JSON object. The rules live
in :mod:`core.admin.models`; this module only maps HTTP onto it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response

from api.deps import AdminUser, StudioDep
from api.schemas import AdminModelIn, AdminModelOut, AdminModelPatch, ErrorOut, ModelOrderIn
from core.admin import models

router = APIRouter(prefix="/api/v1/admin/models", tags=["admin"],
                   responses={code: {"model": ErrorOut} for code in (400, 401, 403, 404)})


@router.get("", response_model=list[AdminModelOut])
def list_models(admin: AdminUser, studio: StudioDep, provider_id: str | None = None,
                modality: str | None = Query(None, pattern="^(image|chat)$")) -> Any:
    return models.list_models(studio.ctx, admin, provider_id=provider_id, modality=modality)


@router.post("", response_model=AdminModelOut, status_code=201)
def create_model(body: AdminModelIn, admin: AdminUser, studio: StudioDep) -> Any:
    return models.create_model(studio.ctx, admin, body.model_dump(exclude_unset=True))


@router.put("/order", response_model=list[AdminModelOut])
def reorder_models(body: ModelOrderIn, admin: AdminUser, studio: StudioDep) -> Any:
    """Priorities from an order, preferred first (what dragging the list does)."""
    return models.reorder_models(studio.ctx, admin, body.order)


@router.get("/{model_id}", response_model=AdminModelOut)
def get_model(model_id: str, admin: AdminUser, studio: StudioDep) -> Any:
    return models.get_model(studio.ctx, admin, model_id)


@router.patch("/{model_id}", response_model=AdminModelOut)
def update_model(model_id: str, body: AdminModelPatch, admin: AdminUser, studio: StudioDep) -> Any:
    return models.update_model(studio.ctx, admin, model_id, body.model_dump(exclude_unset=True))


@router.delete("/{model_id}", status_code=204)
def delete_model(model_id: str, admin: AdminUser, studio: StudioDep) -> Response:
    models.delete_model(studio.ctx, admin, model_id)
    return Response(status_code=204)
