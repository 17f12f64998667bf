"""SillyTavern's sprite folder as one flat ZIP: ``<label>.png`` for the chosen image, ``<label>-1.png``… after.

SillyTavern reads a character's sprites from ``characters/<name>/``; its sprite upload takes a ZIP of
exactly such files, flat. Every stored expression image is a PNG (the gate re-encodes), so the
bytes go in unchanged (stored, not deflated: PNG is compressed already).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from core.expressions.transfer import Sprite

FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # no wall-clock time in the archive: the same set gives the same bytes


def sprite_file_names(sprite: Sprite) -> list[str]:
    """The file names of one label's images, chosen first: ``joy.png``, ``joy-1.png``, ``joy-2.png``…"""
    return [sprite.label + (f"-{index}" if index else "") + ".png" for index in range(len(sprite.images))]


def sprite_zip(sprites: Sequence[Sprite]) -> bytes:
    """The ZIP's bytes (a whole set is at most 64 labels of gated PNGs: small enough to build at once)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for sprite in sprites:
            for name, data in zip(sprite_file_names(sprite), sprite.images, strict=True):
                info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)
    return buffer.getvalue()
