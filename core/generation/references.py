"""Turn a request's ``referenceImageUrl`` into the reference's bytes, for the acting user only.

The seed accepts "a storage path or a signed URL". We accept a key in one of our two buckets (bare,
or prefixed with the bucket name), any URL whose path holds ``/{bucket}/{key}`` (our signed local
URLs and path-style S3 URLs), and ``data:`` URIs. The key must lie under the actor's own user id, so
nobody can use another person's upload. Arbitrary web URLs are refused: fetching them from the server
would let any user make it request internal addresses.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import dataclass

from core.errors import ValidationError
from core.models import User
from core.urls import locate
from storage.base import BUCKETS, REFERENCE_IMAGES, USER_LIBRARY, InvalidKey, ObjectNotFound, Storage, check_key

NOT_FOUND = "Reference image not found"
NOT_OURS = "The reference image must be one of your uploaded or generated images"


@dataclass(frozen=True)
class Reference:
    data: bytes
    bucket: str | None
    key: str | None


async def load_reference(storage: Storage, actor: User, ref: str) -> Reference:
    """The reference's bytes, or a ValidationError the API turns into a 400."""
    ref = ref.strip()
    if ref.startswith("data:"):
        return Reference(_decode_data_uri(ref), None, None)
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
