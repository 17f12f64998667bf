"""``POST /functions/v1/character-portrait``: the seed's edge function, contract for contract."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from api.deps import CurrentUser, StudioDep
from api.schemas import ErrorOut, PortraitFunctionIn, PortraitFunctionOut
from core.errors import Cancelled
from core.generation.inputs import PortraitRequest

ERRORS = {code: {"model": ErrorOut} for code in (400, 401, 404, 409, 503)}

router = APIRouter(tags=["generation"])


@router.post("/functions/v1/character-portrait", response_model=PortraitFunctionOut, responses=ERRORS)
async def character_portrait(body: PortraitFunctionIn, user: CurrentUser,
                             studio: StudioDep) -> PortraitFunctionOut:
    """Generate one portrait; the request waits for it, as the seed's edge function does."""
    request = PortraitRequest(
        character_id=body.characterId,
        character_data=body.characterData.model_dump() if body.characterData else None,
        prompt_override=body.promptOverride, reference_image_url=body.referenceImageUrl,
        content_rating=body.contentRating, api_model_id=body.apiModelId,
        presets={k: v for k, v in (body.presets.model_dump() if body.presets else {}).items() if v},
        seed=body.seed,
    )
    # The pipeline runs in its own task so cancelling the job (POST /jobs/{id}/cancel) never
    # cancels this request handler: the caller gets a clear 409 instead of a dropped connection.
    task = asyncio.create_task(studio.generation.generate_portrait(user, request))
    try:
        result = await asyncio.shield(task)
    except asyncio.CancelledError:
        if task.cancelled():
            raise Cancelled("The generation was cancelled") from None
        task.cancel()
        raise
    return PortraitFunctionOut(imageUrl=result.image_url, jobId=result.job_id, portraitId=result.portrait_id,
                               generationTimeMs=result.generation_time_ms, storagePath=result.storage_path)
