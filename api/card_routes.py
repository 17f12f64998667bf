"""Character cards over HTTP: import a card file as a new character, export a character as a card.

``POST /api/v1/characters/import`` (multipart field ``file``) answers 201 with the new character plus
the import's warnings and a summary of the card; a file that is not a usable card answers 400 with
``code`` ``card_<reason>`` (``card_no_card``, ``card_zip_bomb``, ``card_not_an_image``, ...).
``GET /api/v1/characters/{id}/export?format=png|json|charx`` downloads the card with a
``Content-Disposition`` naming the file after the character.

``/import`` is a POST on a single path segment; the character router has no POST on ``/{id}``, so
the two never collide (and this router is mounted first all the same).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from api.deps import CurrentUser, StudioDep
from api.schemas import CharacterOut, ErrorOut
from core.cards import CardLimits, card_summary
from core.cards.export import content_disposition, export_card
from core.cards.importer import import_card

ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (400, 401, 404)}
_DOWNLOAD = {200: {"description": "The card file", "content": {
    "image/png": {}, "application/json": {}, "application/zip": {}}}}


class CardSummaryOut(BaseModel):
    spec: str | None
    creator: str
    creator_notes: str
    character_version: str
    tags: list[str]
    nickname: str
    lorebook_name: str
    lorebook_entries: int
    extension_keys: list[str]


class CardImportOut(CharacterOut):
    warnings: list[str]
    portrait_count: int
    scene_count: int
    expression_labels: list[str]  # the expression set the card's sprites became (empty: it had none)
    card: CardSummaryOut


router = APIRouter(prefix="/api/v1/characters", tags=["cards"], responses=ERRORS)


@router.post("/import", response_model=CardImportOut, status_code=201)
async def import_card_file(user: CurrentUser, studio: StudioDep, file: UploadFile = File(...)) -> Any:
    """Import a PNG/APNG, JSON (V1, V2, V3) or CHARX card as a new private character of yours."""
    limits = CardLimits.from_settings(studio.ctx.settings)
    data = await file.read(limits.max_file_bytes + 1)  # one byte over is enough to refuse it
    result = await import_card(studio.ctx, user, data, limits=limits)
    character = CharacterOut.model_validate(result.character).model_dump()
    summary = card_summary(result.character.card_data)
    return CardImportOut(**character, warnings=result.warnings, portrait_count=len(result.portraits),
                         scene_count=len(result.scenes), expression_labels=result.expression_labels,
                         card=CardSummaryOut(**vars(summary)))


@router.get("/{character_id}/export", response_class=StreamingResponse, responses=_DOWNLOAD)
async def export_character(character_id: str, user: CurrentUser, studio: StudioDep,
                           fmt: Literal["png", "json", "charx"] = Query("png", alias="format"),
                           embed: bool = Query(True, description="PNG: also carry the other portraits, scene "
                                                                 "images and the reference as asset chunks")
                           ) -> StreamingResponse:
    """Download a character (yours, or anyone's public one) as a card file."""
    exported = await export_card(studio.ctx, user, character_id, fmt, embed_assets=embed)
    return StreamingResponse(exported.stream(), media_type=exported.media_type, headers={
        "Content-Disposition": content_disposition(exported.filename), "Content-Length": str(exported.size)})
