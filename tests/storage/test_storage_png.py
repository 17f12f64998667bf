"""The fast PNG writer: pixel-exact round trips in every mode and split, nothing but IHDR/IDAT/IEND."""

from __future__ import annotations

import io
import os
import zlib

import pytest
from PIL import Image

from storage.png import adler32_combine, encode_png
from tests.support.storage import png_chunk_types


def noisy(mode: str, size: tuple[int, int]) -> Image.Image:
    bands = len(Image.new(mode, (1, 1)).getbands())
    return Image.frombytes(mode, size, os.urandom(size[0] * size[1] * bands))


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA"])
@pytest.mark.parametrize(("size", "parts"), [((1, 1), None), ((3, 700), 3), ((517, 389), None), ((640, 480), 4)])
def test_round_trip_is_pixel_exact(mode: str, size: tuple[int, int], parts: int | None) -> None:
    source = noisy(mode, size)
    data = encode_png(source, parts=parts)
    decoded = Image.open(io.BytesIO(data))
    decoded.load()
    assert (decoded.mode, decoded.size) == (mode, size)
    assert decoded.tobytes() == source.tobytes()
    assert set(png_chunk_types(data)) == {b"IHDR", b"IDAT", b"IEND"}


def test_large_images_are_split_and_still_one_valid_zlib_stream() -> None:
    source = Image.radial_gradient("L").resize((1500, 1500)).convert("RGB")
    data = encode_png(source, parts=4)
    kinds = png_chunk_types(data)
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    idat, offset = b"", 8
    while offset < len(data):
        length = int.from_bytes(data[offset:offset + 4], "big")
        if data[offset + 4:offset + 8] == b"IDAT":
            idat += data[offset + 8:offset + 8 + length]
        offset += 12 + length
    raw = zlib.decompress(idat)  # checks the combined Adler-32 too
    assert len(raw) == (1500 * 3 + 1) * 1500
    assert len(data) < len(raw) / 5  # a gradient compresses well: the filter and deflate work


def test_other_modes_are_refused() -> None:
    with pytest.raises(ValueError):
        encode_png(Image.new("CMYK", (4, 4)))


@pytest.mark.parametrize(("first", "second"), [(0, 5), (5, 0), (1, 1), (70_000, 65_521), (3, 200_000)])
def test_adler32_combine_matches_zlib(first: int, second: int) -> None:
    a, b = os.urandom(first), bytes(range(256)) * (second // 256) + bytes(second % 256)
    assert adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)
