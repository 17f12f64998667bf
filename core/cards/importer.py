"""Import a character card (PNG/APNG, JSON V1/V2/V3, CHARX) as a new character owned by the importer.

An import never touches an existing character. It is all-or-nothing, in three steps:

1. parse and plan (a thread): the format from the bytes, every limit, the mapping - nothing stored;
2. the image gate (the process pool): every image is checked and re-encoded like any upload - a card
   whose asset is not an image is refused here, still with nothing stored;
3. store, then insert (one thread, so a cancelled request cannot split it): the files go to
   ``user-library`` under the new character's portrait prefix (references to ``reference_images``),
   then the character, its portraits, scenes and expression set are inserted in one transaction; if
   anything fails, the stored files are deleted again before the error is raised.

Copies of one card stay apart by name: when the importer already has a character of the card's name
(compared case-insensitively), the new one is called "Iris Vale (2)", then "(3)" and so on: the first
number free, counted on the name without a number of its own (a copy of "Iris Vale (2)" is "Iris Vale
(3)"), the base shortened so the whole name stays within the name limit. The suffix is
chosen inside the insert's transaction; two imports racing for one name may still share a number.

The result carries the timings of each step (the card benchmark reports parse vs gate time).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from concurrent.futures import wait
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from core.cards.codec.import_plan import ImportPlan, plan_import
from core.cards.codec.reader import read_card_file
from core.cards.errors import CardError
from core.cards.limits import CardLimits, check_size
from core.character_rules import NAME_MAX
from core.context import Context
from core.expressions.images import expression_key, has_alpha
from core.expressions.store import ImportedSprite, insert_imported_set
from core.image_gate import THUMB_SIZE, image_limits, prepare_portrait, prepare_reference, stored_file_metadata
from core.models import Character, CharacterPortrait, CharacterScene, User, new_id
from storage.base import (
    REFERENCE_IMAGES,
    USER_LIBRARY,
    Storage,
    delete_with_thumbnails,
    portrait_key,
    put_with_thumbnails,
    reference_key,
    thumbnail_key,
)
from storage.images import ImageRejected, ProcessedImage

log = logging.getLogger(__name__)

_NUMBERED = re.compile(r" \(\d+\)$")  # a copy's number, as _unused_name adds it
#: File name endings the import picker offers (the format is still decided from the bytes).
ACCEPTED_SUFFIXES = (".png", ".apng", ".json", ".charx")


@dataclass
class CardImportResult:
    character: Character
    portraits: list[CharacterPortrait]
    scenes: list[CharacterScene]
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    expression_labels: list[str] = field(default_factory=list)  # the set's labels, when the card had sprites


@dataclass
class _Upload:
    bucket: str
    key: str
    image: ProcessedImage

    def thumbnail_keys(self) -> dict[str, str]:
        return {str(size): thumbnail_key(self.key, size) for size in self.image.thumbnails}


async def import_card(ctx: Context, actor: User, data: bytes, *, limits: CardLimits | None = None) -> CardImportResult:
    """Create a character from a card file's bytes; :class:`CardError` (a ValidationError) if unusable."""
    limits = limits or CardLimits.from_settings(ctx.settings)
    check_size(len(data), limits)
    started = time.perf_counter()
    plan = await asyncio.to_thread(_plan, data, limits)
    parsed = time.perf_counter()
    images = await _gate(ctx, plan)
    gated = time.perf_counter()
    character, portrait_rows, scene_rows, store_s, db_s = await asyncio.to_thread(
        _store_and_insert, ctx, actor, plan, images)
    timings = {"parse_s": parsed - started, "gate_s": gated - parsed, "store_s": store_s, "db_s": db_s,
               "total_s": time.perf_counter() - started}
    log.info("imported card %r as %s: %d portraits, %d scenes, %d warnings, %.0f ms", character.name, character.id,
             len(portrait_rows), len(scene_rows), len(plan.warnings), timings["total_s"] * 1000)
    return CardImportResult(character, portrait_rows, scene_rows, plan.warnings, timings,
                            plan.sprite_labels if plan.sprites else [])


def _plan(data: bytes, limits: CardLimits) -> ImportPlan:
    return plan_import(read_card_file(data, limits), limits)


@dataclass
class _Gated:
    """Every image of a plan after the gate, in the plan's order."""

    portraits: list[ProcessedImage]
    scenes: list[ProcessedImage | None]
    reference: ProcessedImage | None
    sprites: list[list[ProcessedImage]]  # per sprite label, the chosen one first


async def _gate(ctx: Context, plan: ImportPlan) -> _Gated:
    """Every image through the gate at once (the pool bounds the parallelism); the first refusal wins."""
    limits = image_limits(ctx.settings)
    labels = [p.label for p in plan.portraits] + [f"image of scene '{s.label}'" for s in plan.scenes if s.image]
    jobs = [prepare_portrait(ctx.workers, p.data, limits) for p in plan.portraits]
    jobs += [prepare_portrait(ctx.workers, s.image, limits) for s in plan.scenes if s.image is not None]
    if plan.reference is not None:
        labels.append("reference image")
        jobs.append(prepare_reference(ctx.workers, plan.reference, limits))
    for sprite in plan.sprites:
        labels += [f"emotion '{sprite.label}'"] * len(sprite.images)
        jobs += [prepare_portrait(ctx.workers, data, limits) for data in sprite.images]
    results = await asyncio.gather(*jobs, return_exceptions=True)
    processed: list[ProcessedImage] = []
    for label, result in zip(labels, results, strict=True):
        if isinstance(result, ImageRejected):
            raise CardError(f"The card's {label} is not an image the studio can use: {result.message}",
                            "not_an_image")
        if isinstance(result, BaseException):
            raise result
        processed.append(result)
    rest = iter(processed)
    portraits = [next(rest) for _ in plan.portraits]
    scenes = [next(rest) if scene.image is not None else None for scene in plan.scenes]
    reference = next(rest) if plan.reference is not None else None
    sprites = [[next(rest) for _ in sprite.images] for sprite in plan.sprites]
    return _Gated(portraits, scenes, reference, sprites)


def _store_and_insert(ctx: Context, actor: User, plan: ImportPlan, gated: _Gated
                      ) -> tuple[Character, list[CharacterPortrait], list[CharacterScene], float, float]:
    character_id = new_id()
    portrait_uploads = [_Upload(USER_LIBRARY, portrait_key(actor.id, character_id, uuid.uuid4().hex), image)
                        for image in gated.portraits]
    scene_uploads = [_Upload(USER_LIBRARY, portrait_key(actor.id, character_id, f"scene-{uuid.uuid4().hex}"), image)
                     if image is not None else None for image in gated.scenes]
    reference = gated.reference
    reference_upload = (_Upload(REFERENCE_IMAGES, reference_key(actor.id, character_id,
                                                                f"{uuid.uuid4().hex}.{reference.extension}"), reference)
                        if reference is not None else None)
    ids = [[new_id() for _ in images] for images in gated.sprites]  # the rows' ids name the files
    sprite_uploads = [[(image_id, _Upload(USER_LIBRARY, expression_key(actor.id, character_id, image_id), image))
                       for image_id, image in zip(label_ids, images, strict=True)]
                      for label_ids, images in zip(ids, gated.sprites, strict=True)]
    sprite_files = [upload for images in sprite_uploads for _image_id, upload in images]
    uploads = [*portrait_uploads, *(u for u in scene_uploads if u), *([reference_upload] if reference_upload else []),
               *sprite_files]
    started = time.perf_counter()
    try:
        _put_all(ctx, uploads)
        urls = _sign(ctx, uploads)
        stored = time.perf_counter()
        sprites = _sprite_rows(plan, sprite_uploads, urls)
        rows = _insert(ctx, actor, character_id, plan, portrait_uploads, scene_uploads, reference_upload, urls,
                       sprites)
    except BaseException:
        _remove_all(ctx.storage, uploads)
        raise
    return (*rows, stored - started, time.perf_counter() - stored)


def _put_all(ctx: Context, uploads: list[_Upload]) -> None:
    """Store every image with its thumbnails, in parallel on the context's I/O threads; wait for all
    before reporting a failure."""
    if not uploads:
        return
    futures = [ctx.workers.threads.submit(put_with_thumbnails, ctx.storage, u.bucket, u.key, u.image.data,
                                          u.image.content_type, u.image.thumbnails) for u in uploads]
    wait(futures)
    for future in futures:
        error = future.exception()
        if error is not None:
            raise error


def _remove_all(storage: Storage, uploads: list[_Upload]) -> None:
    for upload in uploads:
        try:
            delete_with_thumbnails(storage, upload.bucket, upload.key, upload.image.thumbnails)
        except Exception:
            log.exception("could not remove %s/%s after a failed card import", upload.bucket, upload.key)


def _sign(ctx: Context, uploads: list[_Upload]) -> dict[tuple[str, str], str]:
    """Signed URLs through the process's cache, so a later read hands out the same URL."""
    expiry = ctx.settings.signed_url_expiry_s
    urls: dict[tuple[str, str], str] = {}
    for bucket in {u.bucket for u in uploads}:
        keys = [key for u in uploads if u.bucket == bucket for key in (u.key, *u.thumbnail_keys().values())]
        urls.update({(bucket, key): url for key, url in ctx.urls.sign_many(bucket, keys, expiry).items()})
    return urls


def _insert(ctx: Context, actor: User, character_id: str, plan: ImportPlan, portrait_uploads: list[_Upload],
            scene_uploads: list[_Upload | None], reference_upload: _Upload | None,
            urls: dict[tuple[str, str], str], sprites: list[ImportedSprite]
            ) -> tuple[Character, list[CharacterPortrait], list[CharacterScene]]:
    """One transaction: the character, then its portraits (gallery order = plan order), scenes and set."""
    character = Character(id=character_id, user_id=actor.id, **plan.fields, card_data=plan.card_data)
    portrait_rows: list[CharacterPortrait] = []
    count = len(portrait_uploads)
    for index, (portrait, upload) in enumerate(zip(plan.portraits, portrait_uploads, strict=True)):
        thumbs = upload.thumbnail_keys()
        thumb = thumbs.get(str(THUMB_SIZE)) or next(iter(thumbs.values()), None)
        metadata: dict[str, Any] = {**portrait.metadata, **stored_file_metadata(
            upload.key, thumbs, upload.image.crc32, len(upload.image.data))}
        if not portrait.restored:
            metadata.update(width=upload.image.width, height=upload.image.height)
        portrait_rows.append(CharacterPortrait(
            character_id=character_id, image_url=urls[(upload.bucket, upload.key)],
            thumbnail_url=urls[(upload.bucket, thumb)] if thumb else None, prompt=portrait.prompt,
            enhanced_prompt=portrait.enhanced_prompt, generation_metadata=metadata, is_primary=portrait.primary,
            sort_order=count - 1 - index))
    primary = next((row for row in portrait_rows if row.is_primary), None)
    character.image_url = primary.image_url if primary else None
    if reference_upload is not None:
        character.reference_image_path = f"{REFERENCE_IMAGES}/{reference_upload.key}"
        character.reference_image_url = urls[(REFERENCE_IMAGES, reference_upload.key)]
    elif plan.reference_portrait is not None:
        upload = portrait_uploads[plan.reference_portrait]
        character.reference_image_path = f"{USER_LIBRARY}/{upload.key}"
        character.reference_image_url = urls[(USER_LIBRARY, upload.key)]
    scene_rows = []
    for scene, scene_upload in zip(plan.scenes, scene_uploads, strict=True):
        fields = dict(scene.fields)
        if scene_upload is not None:
            fields["image_url"] = urls[(USER_LIBRARY, scene_upload.key)]
        scene_rows.append(CharacterScene(character_id=character_id, **fields))
    with ctx.db.write() as session:
        character.name = _unused_name(session, actor.id, character.name)
        session.add(character)
        session.flush()
        session.add_all(portrait_rows)
        session.flush()
        session.add_all(scene_rows)
        if plan.sprites:
            insert_imported_set(session, character_id, actor.id, plan.sprite_labels, sprites)
    return character, portrait_rows, scene_rows


def _sprite_rows(plan: ImportPlan, uploads: list[list[tuple[str, _Upload]]],
                 urls: dict[tuple[str, str], str]) -> list[ImportedSprite]:
    """The stored sprites as rows-to-be: the chosen image of each label first, as the plan has them."""
    rows: list[ImportedSprite] = []
    for sprite, images in zip(plan.sprites, uploads, strict=True):
        for image_id, upload in images:
            thumbs = upload.thumbnail_keys()
            thumb = thumbs.get(str(THUMB_SIZE)) or next(iter(thumbs.values()), None)
            rows.append(ImportedSprite(sprite.label, image_id, upload.key, urls[(USER_LIBRARY, upload.key)],
                                       urls[(USER_LIBRARY, thumb)] if thumb else None, has_alpha(upload.image.data)))
    return rows


def _unused_name(session: Session, owner_id: str, name: str) -> str:
    """``name``, or ``base (n)`` with the first n from 2 that the owner has not used (case-insensitively);
    ``base`` is the name without a number of its own, so a copy of "Iris Vale (2)" becomes "Iris Vale (3)"."""
    base = _NUMBERED.sub("", name) or name
    prefix = base[: NAME_MAX - len(" (99999)")]  # every base a suffix up to (99999) leaves
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    taken = {found.casefold() for found in session.exec(
        select(Character.name).where(Character.user_id == owner_id, col(Character.name).ilike(pattern, escape="\\")))}
    if name.casefold() not in taken:
        return name
    number = 2
    while True:
        suffix = f" ({number})"
        candidate = base[: NAME_MAX - len(suffix)].rstrip() + suffix
        if candidate.casefold() not in taken:
            return candidate
        number += 1
