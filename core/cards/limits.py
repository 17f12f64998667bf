"""Bounds on what a card file may hold, checked before the work they bound is done.

A card is untrusted input: a ZIP can claim gigabytes, a JSON document can nest ten thousand levels,
a "description" can be a megabyte of text, a string can hold NUL bytes PostgreSQL refuses. Every
check here raises :class:`CardError` naming where the problem is, so the person sees what to fix.
The file and archive limits scale with ``STUDIO_MAX_UPLOAD_BYTES`` (a card may bundle many images,
each of which still passes the image gate under the per-image limit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.cards.errors import CardError
from core.config import Settings

MIB = 1024 * 1024


@dataclass(frozen=True)
class CardLimits:
    max_file_bytes: int = 80 * MIB
    max_json_bytes: int = 16 * MIB
    max_string_chars: int = 200_000
    max_json_depth: int = 64
    max_zip_members: int = 512
    max_zip_uncompressed_bytes: int = 160 * MIB
    max_image_assets: int = 128

    @classmethod
    def from_settings(cls, settings: Settings) -> CardLimits:
        """Four uploads' worth per card file, eight once unpacked; the rest are fixed sanity bounds."""
        return cls(max_file_bytes=4 * settings.max_upload_bytes,
                   max_zip_uncompressed_bytes=8 * settings.max_upload_bytes)


def check_size(size: int, limits: CardLimits) -> None:
    """Refuse an empty file or one over the card file limit before anything reads it."""
    if size == 0:
        raise CardError("The file is empty.", "empty")
    if size > limits.max_file_bytes:
        raise CardError(f"The file is {_mb(size)}; a character card may be at most {_mb(limits.max_file_bytes)}.",
                        "too_large")


def check_tree(value: Any, limits: CardLimits, root: str = "card") -> None:
    """Walk parsed JSON without recursion: bounded depth, bounded strings, no NUL characters.

    Keys are checked like values. The path in the message (``data.alternate_greetings[3]``) tells
    the person which field is at fault. An asset ``uri`` holding a ``data:`` URI is an inlined image,
    bounded by the JSON size instead of the text limit.
    """
    stack: list[tuple[Any, str, int]] = [(value, root, 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > limits.max_json_depth:
            raise CardError(f"The card is nested more than {limits.max_json_depth} levels deep at {path}.", "bad_json")
        if isinstance(item, str):
            inline_asset = path.endswith(".uri") and item.startswith("data:")  # an image inlined as a data: URI
            _check_string(item, path, limits, limits.max_json_bytes if inline_asset else limits.max_string_chars)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_string(key, f"{path} (a key)", limits, limits.max_string_chars)
                stack.append((child, f"{path}.{key}", depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{index}]", depth + 1) for index, child in enumerate(item))


def _check_string(text: str, path: str, limits: CardLimits, most: int) -> None:
    if len(text) > most:
        raise CardError(f"The card's {path} is {len(text):,} characters long; the limit is {most:,}.",
                        "field_too_long")
    if "\x00" in text:
        raise CardError(f"The card's {path} contains a NUL character.", "bad_field")


def _mb(size: int) -> str:
    return f"{size / MIB:.1f} MB"
