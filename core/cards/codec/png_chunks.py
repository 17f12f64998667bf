"""Character cards inside PNG/APNG files, at the chunk level: the image data is never re-encoded.

A card lives in ``tEXt`` chunks (keyword, NUL, Latin-1 text): ``chara`` holds base64 of the V2 card's
UTF-8 JSON, ``ccv3`` the V3 card. Readers prefer ``ccv3`` and fall back to ``chara``; keywords match
case-insensitively, as SillyTavern reads them. Writers drop every old ``chara``/``ccv3`` chunk (and old
``chara-ext-asset_`` asset chunks, which would dangle) and insert the new ones just before ``IEND``,
copying every other chunk byte for byte, so the pixels, the APNG frames and the other metadata stay.

The V3 spec also allows assets inside a PNG: a ``tEXt`` chunk ``chara-ext-asset_:{path}`` holding
base64 of the file, referenced from the card as ``__asset:{path}`` (RisuAI's layout, also read by
SillyTavern). The studio reads them, and writes them for a PNG export that carries every portrait.
"""

from __future__ import annotations

import base64
import binascii
import struct
import zlib
from collections.abc import Iterable, Sized
from dataclasses import dataclass
from typing import Any, NamedTuple

from core.cards.codec.json_cards import decode_card
from core.cards.codec.models import CardDocument
from core.cards.errors import CardError
from core.cards.limits import CardLimits

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CARD_KEYWORDS = ("chara", "ccv3")
ASSET_PREFIX = "chara-ext-asset_"
_READ_ORDER = ("ccv3", "chara")
_HEADER = struct.Struct(">I4s")


class Chunk(NamedTuple):
    """One chunk: its type and where it and its data lie in the file (no bytes are copied)."""

    kind: bytes
    start: int  # first byte of the length field
    data_start: int
    data_end: int

    @property
    def end(self) -> int:
        return self.data_end + 4  # the CRC


@dataclass
class PngCard:
    """What a PNG holds: its card, the image without card chunks, and any embedded assets."""

    card: CardDocument
    image: bytes
    assets: dict[str, str]  # asset path -> base64 text, decoded only when used
    warnings: list[str]


def is_png(raw: bytes) -> bool:
    return raw.startswith(SIGNATURE)


def chunks(png: bytes) -> list[Chunk]:
    """Every chunk up to and including ``IEND``; ValueError for a file that is not a sound PNG."""
    if not png.startswith(SIGNATURE):
        raise ValueError("not a PNG file")
    found: list[Chunk] = []
    offset, size = 8, len(png)
    while offset + 12 <= size:
        length, kind = _HEADER.unpack_from(png, offset)
        data_start = offset + 8
        data_end = data_start + length
        if length > 0x7FFFFFFF or data_end + 4 > size:
            raise ValueError(f"the {kind!r} chunk runs past the end of the file")
        found.append(Chunk(kind, offset, data_start, data_end))
        offset = data_end + 4
        if kind == b"IEND":
            return found
    raise ValueError("the PNG has no IEND chunk")


def text_chunks(png: bytes, chunk_list: Iterable[Chunk] | None = None) -> list[tuple[str, str]]:
    """``(keyword, text)`` of every ``tEXt`` chunk, in file order (both Latin-1, as the PNG spec says)."""
    result: list[tuple[str, str]] = []
    for chunk in chunk_list if chunk_list is not None else chunks(png):
        if chunk.kind == b"tEXt":
            keyword, _, text = png[chunk.data_start:chunk.data_end].partition(b"\x00")
            result.append((keyword.decode("latin-1"), text.decode("latin-1")))
    return result


def read_png_card(png: bytes, limits: CardLimits) -> PngCard:
    """The card in a PNG (``ccv3`` preferred, ``chara`` as fallback), with the card-free image."""
    try:
        chunk_list = chunks(png)
    except ValueError as exc:
        raise CardError(f"This PNG is damaged ({exc}).", "bad_field") from None
    texts = text_chunks(png, chunk_list)
    payloads = {key: text for key, text in ((k.lower(), t) for k, t in texts) if key in CARD_KEYWORDS}
    assets = {_asset_path(k): t for k, t in texts if k.lower().startswith(ASSET_PREFIX)}
    if not payloads:
        raise CardError("This PNG has no character card in it (no 'chara' or 'ccv3' text chunk).", "no_card")
    warnings: list[str] = []
    first_error: CardError | None = None
    for keyword in (k for k in _READ_ORDER if k in payloads):
        try:
            card = decode_card(_b64decode(payloads[keyword], keyword, limits), limits,
                               f"The PNG's '{keyword}' card")
        except CardError as exc:
            first_error = first_error or exc
            continue
        if first_error is not None:
            warnings.append(f"{first_error.message} The 'chara' (V2) copy was used instead.")
        return PngCard(card, strip_card_chunks(png, chunk_list), assets, warnings)
    assert first_error is not None
    raise first_error


def decode_asset(text: str, path: str) -> bytes:
    """The bytes of a ``chara-ext-asset_`` chunk."""
    try:
        return base64.b64decode(_pad(text), validate=True)
    except (binascii.Error, ValueError):
        raise CardError(f"The PNG's embedded asset '{path}' is not valid base64.", "bad_base64") from None


def write_png_card(png: bytes, v2_json: bytes, v3_json: bytes, assets: Iterable[tuple[str, bytes]] = ()) -> bytes:
    """``png`` with ``chara`` (V2) and ``ccv3`` (V3) chunks, plus asset chunks, inserted before ``IEND``.

    Old card and asset chunks are dropped; every other chunk is copied as it is.
    """
    return b"".join(png_card_parts(png, v2_json, v3_json, assets))


def png_card_parts(png: bytes, v2_json: bytes, v3_json: bytes,
                   assets: Iterable[tuple[str, bytes]] = ()) -> list[bytes | memoryview]:
    """:func:`write_png_card` as a list of pieces (views into ``png``, new chunks), for streaming
    without copying the image once more."""
    view = memoryview(png)
    parts = png_card_layout(png, v2_json, v3_json, assets)
    return [view[part] if isinstance(part, slice) else part for part in parts]  # type: ignore[misc]


def png_card_layout(png: bytes, v2_json: bytes, v3_json: bytes,
                    assets: Iterable[tuple[str, Any]] = ()) -> list[bytes | slice | Base64TextChunk]:
    """:func:`write_png_card` as new chunks and slices of ``png`` (what a cached export keeps: the
    image is read again, the chunks are not built again). Runs of kept chunks stay one slice, so a
    stored portrait (which has no card chunks) is two slices around the new chunks. An asset whose
    data is not bytes (a reference to a stored file, with a length) becomes a
    :class:`Base64TextChunk` for the caller to render when it has the bytes."""
    parts: list[bytes | slice | Base64TextChunk] = []
    kept_from = 0  # start of the current run of chunks copied as they are
    for chunk in chunks(png):
        if chunk.kind == b"IEND":
            parts.append(slice(kept_from, chunk.start))
            parts.append(text_chunk("chara", base64.b64encode(v2_json)))
            parts.append(text_chunk("ccv3", base64.b64encode(v3_json)))
            parts.extend(_asset_chunk(f"{ASSET_PREFIX}:{path}", data) for path, data, *_ in assets)
            parts.append(slice(chunk.start, chunk.end))
        elif _is_card_chunk(png, chunk):
            parts.append(slice(kept_from, chunk.start))
            kept_from = chunk.end
    return [part for part in parts if not isinstance(part, slice) or part.stop > part.start]


@dataclass(frozen=True)
class Base64TextChunk:
    """A ``tEXt`` chunk whose text is the base64 of ``source``, bytes supplied later (a stored file,
    streamed after the chunks before it). Its length is known from the source's length alone."""

    keyword: str
    source: Sized

    @property
    def length(self) -> int:
        return 12 + len(self.keyword.encode("latin-1")) + 1 + 4 * -(-len(self.source) // 3)

    def render(self, data: bytes | memoryview) -> bytes:
        return text_chunk(self.keyword, base64.b64encode(data))


def _asset_chunk(keyword: str, data: Any) -> bytes | Base64TextChunk:
    return text_chunk(keyword, base64.b64encode(data)) if isinstance(data, bytes | memoryview) \
        else Base64TextChunk(keyword, data)


def strip_card_chunks(png: bytes, chunk_list: list[Chunk] | None = None) -> bytes:
    """The PNG without card and asset chunks (what the image gate should see), other chunks as they were."""
    chunk_list = chunk_list if chunk_list is not None else chunks(png)
    if not any(_is_card_chunk(png, chunk) for chunk in chunk_list):
        return png
    view = memoryview(png)
    return b"".join([SIGNATURE, *(view[c.start:c.end] for c in chunk_list if not _is_card_chunk(png, c))])


def text_chunk(keyword: str, text: bytes) -> bytes:
    """One ``tEXt`` chunk: length, type, keyword NUL text, CRC."""
    body = keyword.encode("latin-1") + b"\x00" + text
    return struct.pack(">I", len(body)) + b"tEXt" + body + struct.pack(">I", zlib.crc32(body, zlib.crc32(b"tEXt")))


def _is_card_chunk(png: bytes, chunk: Chunk) -> bool:
    if chunk.kind != b"tEXt":
        return False
    keyword = png[chunk.data_start:min(chunk.data_end, chunk.data_start + 80)].partition(b"\x00")[0]
    lowered = keyword.decode("latin-1").lower()
    return lowered in CARD_KEYWORDS or lowered.startswith(ASSET_PREFIX)


def _asset_path(keyword: str) -> str:
    """``chara-ext-asset_:3`` and ``chara-ext-asset_3`` both name the asset ``__asset:3``."""
    return keyword[len(ASSET_PREFIX):].removeprefix(":")


def _b64decode(text: str, keyword: str, limits: CardLimits) -> bytes:
    cleaned = "".join(text.split())
    if len(cleaned) > limits.max_json_bytes * 4 // 3 + 4:
        raise CardError(f"The PNG's '{keyword}' card is larger than {limits.max_json_bytes:,} bytes.", "too_large")
    try:
        return base64.b64decode(_pad(cleaned), validate=True)
    except (binascii.Error, ValueError):
        raise CardError(f"The PNG's '{keyword}' card is not valid base64.", "bad_base64") from None


def _pad(text: str) -> str:
    text = "".join(text.split())
    return text + "=" * (-len(text) % 4)
