"""``/api/v1/characters/{id}/expressions``: a character's expression set over HTTP (issue 16).

Thin over :mod:`core.expressions`: starting a set or a regeneration answers 202 at once with the
set's job (poll ``GET .../expressions`` or ``GET /api/v1/jobs/{jobId}``; cancel with
``POST /api/v1/jobs/{jobId}/cancel``); the rest reads or changes rows. Only the character's owner
reaches any of it: another user gets 404 on every route, even for a public character, since core
treats a set as working material. Core's rows are read with sync calls, so those routes are plain
``def`` (FastAPI runs them in its thread pool); the ZIP is built off the event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from fastapi import APIRouter, File, Query, Response, UploadFile

from api.deps import CurrentUser, StudioDep
from api.expression_schemas import (
    ChooseIn,
    ExpressionOut,
    ExpressionSetIn,
    ExpressionSourceOut,
    SetStartedOut,
    expression_out,
    source_out,
)
from api.schemas import ErrorOut
from core import characters
from core.cards.export import content_disposition, safe_filename
from core.context import Context
from core.errors import NotFound, ValidationError
from core.expressions import store
from core.expressions.sprite_zip import sprite_zip
from core.expressions.transfer import export_sprites, upload_image
from core.models import User

ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (400, 401, 404)}
_ZIP = {200: {"description": "SillyTavern's sprite folder, flat: <label>.png, <label>-1.png…",
              "content": {"application/zip": {}}}}

router = APIRouter(prefix="/api/v1/characters/{character_id}/expressions", tags=["expressions"],
                   responses=ERRORS)


@router.post("", response_model=SetStartedOut, status_code=202)
async def start_set(character_id: str, body: ExpressionSetIn, user: CurrentUser, studio: StudioDep) -> Any:
    """Make (or extend) the set from the character's face: a preset or labels; the images arrive in the background.

    400 when the character has neither a primary portrait nor a reference image, for a bad label, or
    for both or neither of ``preset`` and ``labels``."""
    if body.preset is not None and body.labels is not None:
        raise ValidationError({"labels": "Give a preset or labels, not both"})
    started = await studio.expressions.start_set(user, character_id, preset=body.preset, labels=body.labels,
                                                 api_model_id=body.apiModelId, background=body.background)
    return SetStartedOut(jobId=started.job_id, labels=list(started.labels))


@router.get("", response_model=list[ExpressionOut])
def list_expressions(character_id: str, user: CurrentUser, studio: StudioDep) -> Any:
    """Every label in the set's order, with its state and images; ``[]`` when the character has no set."""
    view = store.read_set(studio.ctx, user, character_id)
    return [expression_out(label) for label in view.labels] if view else []


@router.get("/source", response_model=ExpressionSourceOut)
def expression_source(character_id: str, user: CurrentUser, studio: StudioDep) -> Any:
    """Which face the set was made from, its background and model; 404 when the character has no set."""
    view = store.read_set(studio.ctx, user, character_id)
    if view is None:
        raise NotFound("This character has no expression set")
    return source_out(view)


@router.get("/export", response_class=Response, responses=_ZIP)
async def export_set(character_id: str, user: CurrentUser, studio: StudioDep,
                     fmt: Literal["sillytavern"] = Query("sillytavern", alias="format")) -> Response:
    """Download the set as SillyTavern's sprite ZIP, named after the character (``<name>-sprites.zip``)."""
    sprites = await export_sprites(studio.ctx, user, character_id)
    if not sprites:
        raise NotFound("This character's expression set has no image yet")
    data = await asyncio.to_thread(sprite_zip, sprites)
    name = (await asyncio.to_thread(characters.get_character, studio.ctx, user, character_id)).name
    return Response(data, media_type="application/zip", headers={
        "Content-Disposition": content_disposition(safe_filename(f"{name}-sprites", "zip"))})


@router.post("/{label}/regenerate", response_model=SetStartedOut, status_code=202)
async def regenerate(character_id: str, label: str, user: CurrentUser, studio: StudioDep) -> Any:
    """One more image for the label, from the set's face, model and background; it becomes the chosen one."""
    started = await studio.expressions.regenerate(user, character_id, label)
    return SetStartedOut(jobId=started.job_id, labels=list(started.labels))


@router.delete("/{label}", status_code=204)
def delete_label(character_id: str, label: str, user: CurrentUser, studio: StudioDep) -> Response:
    """Remove the label from the set, with all its images."""
    store.delete_label(studio.ctx, user, character_id, label)
    return Response(status_code=204)


@router.put("/{label}/chosen", response_model=ExpressionOut)
def choose(character_id: str, label: str, body: ChooseIn, user: CurrentUser, studio: StudioDep) -> Any:
    """Make one of the label's images the chosen one (the sprite an export names ``<label>.png``)."""
    return expression_out(store.choose_image(studio.ctx, user, character_id, label, body.imageId))


@router.post("/{label}/image", response_model=ExpressionOut, status_code=201)
async def upload(character_id: str, label: str, user: CurrentUser, studio: StudioDep,
                 file: UploadFile = File(...)) -> Any:
    """Your own image for a label (multipart field ``file``; a new label is added), through the image gate;
    it becomes the chosen one."""
    limit = studio.ctx.settings.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise ValidationError({"file": f"The file is larger than {limit} bytes"})
    await upload_image(studio.ctx, user, character_id, label, data)
    return await asyncio.to_thread(_label_of, studio.ctx, user, character_id, label)


@router.delete("/{label}/images/{image_id}", status_code=204)
def delete_image(character_id: str, label: str, image_id: str, user: CurrentUser, studio: StudioDep) -> Response:
    """Remove one image of the label; when it was the chosen one, the newest other image takes its place."""
    store.delete_image(studio.ctx, user, character_id, label, image_id)
    return Response(status_code=204)


def _label_of(ctx: Context, user: User, character_id: str, label: str) -> ExpressionOut:
    view = store.read_set(ctx, user, character_id)
    found = view.label(label.strip()) if view else None
    if found is None:  # deleted between the upload and this read
        raise NotFound(f"This character has no expression {label!r}")
    return expression_out(found)
