"""Turn a request's ``referenceImageUrl`` into the reference's bytes, for the acting user only.

The seed accepts "a storage path or a signed URL". We accept a key in one of our two buckets (bare,
or prefixed with the bucket name), any URL whose path holds ``/{bucket}/{key}`` (our signed local
URLs and path-style S3 URLs), and ``data:`` URIs. The key must lie under the actor's own user id, so
nobody can use another person's upload. Arbitrary web URLs are refused: fetching them from the server
would let any user make it request internal addresses.

A ``data:`` URI is an upload by another name, so it goes through the same image gate as an upload
(type by content, size and pixel limits, metadata stripped, downscaled like a stored reference), and
the field's length is capped before anything is decoded. Jobs record its digest, never the URI.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
from dataclasses import dataclass

from core.config import Settings
from core.context import Context
from core.errors import ValidationError
from core.image_gate import image_limits, prepare_reference
from core.models import User
from core.urls import locate
from storage.base import BUCKETS, REFERENCE_IMAGES, USER_LIBRARY, InvalidKey, ObjectNotFound, check_key
from storage.images import ImageRejected

NOT_FOUND = "Reference image not found"
NOT_OURS = "The reference image must be one of your uploaded or generated images"
REF_MAX_CHARS = 2048  # a key or a URL; a data URI may be as long as an upload allows


def max_reference_chars(settings: Settings) -> int:
    """The longest ``referenceImageUrl`` accepted: an upload-sized image as base64, plus its header."""
    return max(REF_MAX_CHARS, -(-settings.max_upload_bytes // 3) * 4 + 256)


def reference_digest(ref: str | None) -> str | None:
    """What a job records of its reference: the reference itself, or a data URI's digest only."""
    if ref is None or not ref.strip().startswith("data:"):
        return ref
    return f"data:sha256,{hashlib.sha256(ref.strip().encode()).hexdigest()}"


@dataclass(frozen=True)
class Reference:
    data: bytes
    bucket: str | None
    key: str | None


async def load_reference(ctx: Context, actor: User, ref: str) -> Reference:
    """The reference's bytes, or a ValidationError the API turns into a 400."""
    storage = ctx.storage
    ref = ref.strip()
    if len(ref) > max_reference_chars(ctx.settings):
        raise ValidationError({"referenceImageUrl": "The reference image is longer than an upload may be"})
    if ref.startswith("data:"):
        return Reference(await _gated(ctx, _decode_data_uri(ref)), None, None)
    if len(ref) > REF_MAX_CHARS:
        raise ValidationError({"referenceImageUrl": f"A reference path or URL must be at most {REF_MAX_CHARS} "
                                                    "characters"})
    for bucket, key in _candidates(ref):
        try:
            check_key(bucket, key)
        except InvalidKey:
            continue
        if not key.startswith(f"{actor.id}/"):
            raise ValidationError({"referenceImageUrl": NOT_OURS})
        try:
            return Reference(await asyncio.to_thread(storage.get, bucket, key), bucket, key)
        except ObjectNotFound:
            continue
    if ref.startswith(("http://", "https://")) and not _candidates(ref):
        raise ValidationError({"referenceImageUrl": NOT_OURS})
    raise ValidationError({"referenceImageUrl": NOT_FOUND})


def _candidates(ref: str) -> list[tuple[str, str]]:
    if "://" in ref or ref.startswith("/"):
        found = locate(ref)
        return [found] if found else []
    for bucket in BUCKETS:
        if ref.startswith(f"{bucket}/"):
            return [(bucket, ref[len(bucket) + 1:])]
    return [(REFERENCE_IMAGES, ref), (USER_LIBRARY, ref)]


def _decode_data_uri(uri: str) -> bytes:
    header, _, payload = uri.partition(",")
    if ";base64" not in header:
        raise ValidationError({"referenceImageUrl": "A data URI reference must be base64-encoded"})
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationError({"referenceImageUrl": "The reference image's data URI is not valid base64"}) from exc


async def _gated(ctx: Context, data: bytes) -> bytes:
    """The image gate's cleaned reference, or its message as the field's error."""
    try:
        return (await prepare_reference(ctx.workers, data, image_limits(ctx.settings))).data
    except ImageRejected as exc:
        raise ValidationError({"referenceImageUrl": exc.message}) from exc
