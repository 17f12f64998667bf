"""Templates, image models and jobs: what a client needs around the characters themselves."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from api.deps import CurrentUser, StudioDep
from api.schemas import ErrorOut, JobOut, ModelOut, TemplateOut
from core.generation import jobs
from core.generation.routing import list_image_models
from core.templates import list_templates

router = APIRouter(prefix="/api/v1", tags=["catalog"],
                   responses={code: {"model": ErrorOut} for code in (400, 401, 404)})


@router.get("/templates", response_model=list[TemplateOut])
def templates(user: CurrentUser, studio: StudioDep) -> Any:
    return list_templates(studio.ctx.db, user)


@router.get("/models", response_model=list[ModelOut])
def models(_user: CurrentUser, studio: StudioDep, modality: str = Query("image", pattern="^(image)$")) -> Any:
    return [ModelOut(id=r.model.id, display_name=r.model.display_name, model_key=r.model.model_key,
                     provider=r.provider.name, modality=r.model.modality, priority=r.model.priority,
                     supports_i2i=r.supports_i2i, capabilities=r.model.capabilities)
            for r in list_image_models(studio.ctx.db)]


@router.get("/jobs/{job_id}", response_model=JobOut)
def get_job(job_id: str, user: CurrentUser, studio: StudioDep) -> Any:
    return jobs.get_job(studio.ctx.db, user, job_id)


@router.post("/jobs/{job_id}/cancel", response_model=JobOut)
async def cancel_job(job_id: str, user: CurrentUser, studio: StudioDep) -> Any:
    return await studio.generation.cancel_job(user, job_id)
