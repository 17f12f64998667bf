"""``/api/v1/characters``: characters, their portraits, scenes, reference image and suggestions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Query, Response, UploadFile

from api.deps import CurrentUser, StudioDep
from api.schemas import (
    CharacterCreate,
    CharacterOut,
    CharacterPatch,
    ErrorOut,
    PortraitOrder,
    PortraitOut,
    SceneIn,
    SceneOut,
    SuggestIn,
    SuggestOut,
)
from core import characters, portraits, scenes
from core.context import Context
from core.errors import NotFound, ValidationError
from core.models import User
from core.reference_images import upload_reference
from core.suggest.character import suggest_for_character

ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409)}

router = APIRouter(prefix="/api/v1/characters", tags=["characters"], responses=ERRORS)


@router.get("", response_model=list[CharacterOut])
def list_characters(user: CurrentUser, studio: StudioDep, search: str = "",
                    sort: str = Query("updated", pattern="^(updated|created|name)$"),
                    limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0)) -> Any:
    return characters.list_characters(studio.ctx, user, search=search, sort=sort,  # type: ignore[arg-type]
                                      limit=limit, offset=offset)


@router.post("", response_model=CharacterOut, status_code=201)
def create_character(body: CharacterCreate, user: CurrentUser, studio: StudioDep) -> Any:
    return characters.create_character(studio.ctx, user, body.model_dump(exclude_unset=True))


@router.get("/{character_id}", response_model=CharacterOut)
def get_character(character_id: str, user: CurrentUser, studio: StudioDep) -> Any:
    return characters.get_character(studio.ctx, user, character_id)


@router.patch("/{character_id}", response_model=CharacterOut)
def update_character(character_id: str, body: CharacterPatch, user: CurrentUser, studio: StudioDep) -> Any:
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    return characters.update_character(studio.ctx, user, character_id, changes, body.version, source="api")


@router.delete("/{character_id}", status_code=204)
def delete_character(character_id: str, user: CurrentUser, studio: StudioDep) -> Response:
    characters.delete_character(studio.ctx, user, character_id)
    return Response(status_code=204)


@router.get("/{character_id}/portraits", response_model=list[PortraitOut])
def list_portraits(character_id: str, user: CurrentUser, studio: StudioDep,
                   limit: int = Query(48, ge=1, le=200), offset: int = Query(0, ge=0)) -> Any:
    return portraits.list_portraits(studio.ctx, user, character_id, limit=limit, offset=offset)


@router.post("/{character_id}/portraits/{portrait_id}/primary", response_model=PortraitOut)
def set_primary(character_id: str, portrait_id: str, user: CurrentUser, studio: StudioDep) -> Any:
    _portrait_of(studio.ctx, user, character_id, portrait_id)
    return portraits.set_primary(studio.ctx, user, portrait_id)


@router.delete("/{character_id}/portraits/{portrait_id}", status_code=204)
def delete_portrait(character_id: str, portrait_id: str, user: CurrentUser, studio: StudioDep) -> Response:
    _portrait_of(studio.ctx, user, character_id, portrait_id)
    portraits.delete_portrait(studio.ctx, user, portrait_id)
    return Response(status_code=204)


@router.put("/{character_id}/portraits/order", status_code=204)
def reorder(character_id: str, body: PortraitOrder, user: CurrentUser, studio: StudioDep) -> Response:
    portraits.reorder_portraits(studio.ctx, user, character_id, body.order)
    return Response(status_code=204)


@router.get("/{character_id}/scenes", response_model=list[SceneOut])
def list_scenes(character_id: str, user: CurrentUser, studio: StudioDep) -> Any:
    return scenes.list_scenes(studio.ctx, user, character_id)


@router.post("/{character_id}/scenes", response_model=SceneOut, status_code=201)
def create_scene(character_id: str, body: SceneIn, user: CurrentUser, studio: StudioDep) -> Any:
    return scenes.create_scene(studio.ctx, user, character_id, body.model_dump(exclude_unset=True))


@router.patch("/{character_id}/scenes/{scene_id}", response_model=SceneOut)
def update_scene(character_id: str, scene_id: str, body: SceneIn, user: CurrentUser, studio: StudioDep) -> Any:
    _scene_of(studio.ctx, user, character_id, scene_id)
    return scenes.update_scene(studio.ctx, user, scene_id, body.model_dump(exclude_unset=True))


@router.delete("/{character_id}/scenes/{scene_id}", status_code=204)
def delete_scene(character_id: str, scene_id: str, user: CurrentUser, studio: StudioDep) -> Response:
    _scene_of(studio.ctx, user, character_id, scene_id)
    scenes.delete_scene(studio.ctx, user, scene_id)
    return Response(status_code=204)


@router.post("/{character_id}/reference-image", response_model=CharacterOut)
async def reference_image(character_id: str, user: CurrentUser, studio: StudioDep,
                          file: UploadFile = File(...)) -> Any:
    """Upload a reference image (multipart field ``file``); it passes the image gate first."""
    limit = studio.ctx.settings.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise ValidationError({"file": f"The file is larger than {limit} bytes"})
    return await upload_reference(studio.ctx, user, character_id, data)


@router.post("/{character_id}/suggest", response_model=SuggestOut)
async def suggest(character_id: str, body: SuggestIn, user: CurrentUser, studio: StudioDep) -> Any:
    result = await suggest_for_character(studio.ctx, user, body.field, character_id=character_id)
    return SuggestOut(values=result.values, source=result.source)


def _portrait_of(ctx: Context, user: User, character_id: str, portrait_id: str) -> None:
    """A portrait id under another character's URL is *not found*, not silently accepted."""
    if portraits.get_portrait(ctx, user, portrait_id).character_id != character_id:
        raise NotFound("Portrait not found")


def _scene_of(ctx: Context, user: User, character_id: str, scene_id: str) -> None:
    if all(s.id != scene_id for s in scenes.list_scenes(ctx, user, character_id)):
        raise NotFound("Scene not found")
