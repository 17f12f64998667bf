"""Generated PNGs lose their text chunks without being re-encoded; anything unusual is re-encoded."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from storage.images import ImageLimits, ImageRejected, prepare_portrait
from storage.png import strip_png_metadata


def _png(text: dict[str, str] | None = None, icc: bytes | None = None) -> bytes:
    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_text(key, value)
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (30, 140, 220)).save(buffer, format="PNG", pnginfo=info, icc_profile=icc)
    return buffer.getvalue()


def test_text_chunks_are_dropped_and_pixel_data_kept_byte_for_byte() -> None:
    source = _png({"parameters": "a prompt, Steps: 30, Seed: 42", "Comment": "secret"})
    stripped = strip_png_metadata(source)
    assert stripped is not None and b"tEXt" not in stripped and b"Seed: 42" not in stripped
    idat = source[source.index(b"IDAT") - 4:source.index(b"IEND") - 4]
    assert idat in stripped
    processed = prepare_portrait(source, ImageLimits())
    assert processed.data == stripped
    assert Image.open(io.BytesIO(processed.data)).tobytes() == Image.open(io.BytesIO(source)).tobytes()
    assert set(processed.thumbnails) == {256, 512}


def test_unusual_pngs_and_damaged_files_take_the_full_path() -> None:
    with_icc = _png(icc=b"\x00" * 10)
    assert strip_png_metadata(with_icc) is None  # an ICC profile needs colour conversion
    damaged = bytearray(_png())
    damaged[40] ^= 0xFF  # breaks a CRC
    assert strip_png_metadata(bytes(damaged)) is None
    assert strip_png_metadata(b"GIF89a...") is None


def test_a_truncated_png_is_still_refused() -> None:
    source = _png({"parameters": "x"})
    with pytest.raises(ImageRejected):
        prepare_portrait(source[: len(source) // 2], ImageLimits())
