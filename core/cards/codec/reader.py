"""Read any card file: the format is decided from the bytes, never from a file name.

PNG/APNG (signature), CHARX (a ZIP's local-header or empty-archive magic) and JSON (first non-blank
byte opens an object) are recognised; anything else is refused with a message saying what it looks
like. The result carries a resolver for asset URIs, so the mapping asks only for the assets it will
import, and no remote URL is ever fetched:

* ``ccdefault:`` - the PNG card's own image (nothing, in a CHARX or JSON card);
* ``embeded://path`` (the spec's spelling), ``embedded://path`` - a CHARX member;
* ``__asset:path`` - a PNG ``chara-ext-asset_`` chunk, or a CHARX member of that path;
* ``data:...;base64,...`` - inline bytes;
* ``http(s)://`` and anything else - not resolved (kept as a descriptor by the mapping).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass, field

from core.cards.codec.charx import is_zip, read_charx
from core.cards.codec.json_cards import decode_card, looks_like_json
from core.cards.codec.models import CardDocument
from core.cards.codec.png_chunks import decode_asset, is_png, read_png_card
from core.cards.errors import CardError
from core.cards.limits import CardLimits, check_size

EMBEDDED_PREFIXES = ("embeded://", "embedded://")
PNG_ASSET_PREFIX = "__asset:"
_IMAGE_NAMES = {b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image", b"%PDF": "a PDF document"}


@dataclass
class CardFile:
    """A parsed card file and the means to fetch its embedded assets."""

    format: str  # png | json | charx
    card: CardDocument
    image: bytes | None = None  # a PNG card's image, without its card chunks
    resolve: Callable[[str], bytes | None] = field(default=lambda _uri: None)
    warnings: list[str] = field(default_factory=list)
    unused: Callable[[], list[str]] = field(default=lambda: [])  # archive files no asset used


def read_card_file(raw: bytes, limits: CardLimits) -> CardFile:
    """Detect the format, check the limits and parse the card; :class:`CardError` for anything unusable."""
    check_size(len(raw), limits)
    if is_png(raw):
        png = read_png_card(raw, limits)
        image = png.image

        def resolve_png(uri: str) -> bytes | None:
            if uri == "ccdefault:":
                return image
            if uri.startswith(PNG_ASSET_PREFIX):
                path = uri[len(PNG_ASSET_PREFIX):]
                text = png.assets.get(path)
                return decode_asset(text, path) if text is not None else None
            return _data_uri(uri)

        return CardFile("png", png.card, image, resolve_png, [*png.card.warnings, *png.warnings])
    if is_zip(raw):
        charx = read_charx(raw, limits)

        def resolve_charx(uri: str) -> bytes | None:
            for prefix in (*EMBEDDED_PREFIXES, PNG_ASSET_PREFIX):
                if uri.startswith(prefix):
                    return charx.read(uri[len(prefix):])
            return _data_uri(uri)

        return CardFile("charx", charx.card, None, resolve_charx, list(charx.card.warnings), charx.unused)
    if looks_like_json(raw):
        card = decode_card(raw, limits)
        return CardFile("json", card, None, _data_uri, list(card.warnings))
    raise CardError(f"This file is {_describe(raw)}, not a character card. Import a PNG card, a JSON card "
                    "(V1, V2 or V3) or a CHARX file.", "unsupported")


def is_remote(uri: str) -> bool:
    return uri.startswith(("http://", "https://"))


def is_self_contained(uri: str) -> bool:
    """URIs that mean the same thing in any file (kept verbatim when the asset is not imported)."""
    return is_remote(uri) or uri.startswith("data:") or uri == "ccdefault:"


def _data_uri(uri: str) -> bytes | None:
    if not uri.startswith("data:"):
        return None
    header, sep, payload = uri.partition(",")
    if not sep or not header.endswith(";base64"):
        return None
    try:
        return base64.b64decode("".join(payload.split()), validate=True)
    except (binascii.Error, ValueError):
        raise CardError("An asset's data: URI is not valid base64.", "bad_base64") from None


def _describe(raw: bytes) -> str:
    for magic, name in _IMAGE_NAMES.items():
        if raw.startswith(magic):
            return name
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return "a WebP image"
    head = raw[:512].lstrip()
    if head.startswith(b"<"):
        return "an HTML or XML document"
    return "not a format we recognise"
