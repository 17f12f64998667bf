"""Helpers of the storage tests: backends, fetching signed URLs over HTTP, test images built in memory.

A local backend's signed URLs are fetched from the app ``main.py`` serves (``tests/served_app.py``),
started on the backend's own directory and secret: the same route a browser would reach.

The fixtures (the loopback S3 server, the parametrized ``backend``) are in ``storage_fixtures.py``,
loaded with ``pytest_plugins``. Test images are built with Pillow here, never read from disk.
"""

from __future__ import annotations

import io
import struct
import uuid
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import httpx
import pillow_heif
import pytest
from PIL import Image

from storage.base import Storage
from storage.local import LocalStorage
from storage.s3 import S3Storage
from tests.support.served_app import SECRET, serving

BACKENDS = ["local", "s3"]


def unique_bucket() -> str:
    """moto keeps one in-process state for every server: each test gets its own bucket."""
    return f"studio-test-{uuid.uuid4().hex[:16]}"


def make_backend(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if kind == "local":
        return LocalStorage(tmp_path / "storage", SECRET)
    return S3Storage(bucket=unique_bucket(), endpoint_url=request.getfixturevalue("moto_endpoint"))


async def fetch(storage: Storage, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    """GET a signed URL the way a browser would: for local storage, from the app ``main.py`` serves on
    that storage's files (and ``SECRET``); for S3, from the endpoint itself."""
    if isinstance(storage, LocalStorage):
        assert storage.root.name == "storage", "the app keeps its files in <data dir>/storage"
        async with serving(storage.root.parent) as client:
            return await client.get(url, headers=headers)
    async with httpx.AsyncClient(trust_env=False) as client:
        return await client.get(url, headers=headers)


# -- images ------------------------------------------------------------------------------------


def encode(im: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **params)
    return out.getvalue()


def png_bytes(width: int = 64, height: int = 48, colour: str = "teal") -> bytes:
    return encode(Image.new("RGB", (width, height), colour), "PNG")


def halves(width: int, height: int) -> Image.Image:
    """Left half blue, right half red: orientation mistakes show up as colours in the wrong place."""
    im = Image.new("RGB", (width, height), (255, 0, 0))
    im.paste((0, 0, 255), (0, 0, width // 2, height))
    return im


def jpeg_with_gps_and_orientation(orientation: int = 6) -> bytes:
    """A 300x200 JPEG shot "sideways" (orientation 6), with GPS coordinates and a comment."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)})
    return encode(halves(300, 200), "JPEG", exif=exif, comment=b"private comment", quality=95)


def heic_bytes(width: int = 320, height: int = 240, orientation: int | None = None) -> bytes:
    im = halves(width, height)
    params: dict[str, object] = {"quality": 80}
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        params["exif"] = exif.tobytes()
    return encode(im, "HEIF", **params)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int, height: int, *, valid_pixels: bool = True) -> bytes:
    """A 1-bit PNG claiming ``width`` x ``height``: tiny on disk, gigabytes once decoded.

    With ``valid_pixels`` the IDAT really holds that many (zero) rows, compressed; without, it holds
    garbage - so a test can tell "refused from the header" from "refused while decoding".
    """
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    if valid_pixels:
        row = b"\x00" * (1 + (width + 7) // 8)
        compressor = zlib.compressobj(9)
        body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    else:
        body = b"not a deflate stream"
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", body) + png_chunk(b"IEND", b"")


def png_chunk_types(data: bytes) -> list[bytes]:
    """The chunk types of a PNG in order (to prove no metadata chunk survived)."""
    kinds, offset = [], 8
    while offset < len(data):
        length = struct.unpack(">I", data[offset:offset + 4])[0]
        kinds.append(data[offset + 4:offset + 8])
        offset += 12 + length
    return kinds


# -- inputs the gate must refuse: builder, reason, words the message must contain ---------------


def _zip_named_png() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("image.png", png_bytes())
    return buffer.getvalue()


def _truncated_jpeg() -> bytes:
    data = encode(halves(400, 300), "JPEG", quality=95)
    return data[: len(data) // 2]


def _ftyp(*brands: bytes) -> bytes:
    body = brands[0] + b"\x00\x00\x00\x00" + b"".join(brands)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + b"\x00" * 64


BAD_INPUTS: dict[str, tuple[Callable[[], bytes], str, str]] = {
    "empty file": (lambda: b"", "empty", "empty"),
    "SVG with a script": (lambda: b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
                          b"<script>alert(document.cookie)</script></svg>", "unsupported", "SVG"),
    "HTML named .png": (lambda: b"<!DOCTYPE html><html><body><script>steal()</script></body></html>",
                        "unsupported", "HTML"),
    "ZIP named .png": (_zip_named_png, "unsupported", "ZIP"),
    "PDF": (lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "unsupported", "PDF"),
    "plain text": (lambda: b"just some words", "unsupported", "not a recognised image"),
    "AVIF": (lambda: _ftyp(b"avif", b"mif1"), "unsupported", "AVIF"),
    "MP4 video": (lambda: _ftyp(b"isom", b"mp42"), "unsupported", "video"),
    "truncated JPEG": (_truncated_jpeg, "corrupt", "damaged or truncated"),
    "truncated HEIC": (lambda: heic_bytes(640, 480)[:-50], "corrupt", "damaged or truncated"),
    "truncated PNG": (lambda: encode(Image.effect_noise((300, 300), 50), "PNG")[:2000], "corrupt", "damaged"),
    "PNG signature then garbage": (lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "corrupt", "damaged"),
    "PNG bomb (50k x 50k)": (lambda: png_bomb(50_000, 50_000, valid_pixels=False), "too_many_pixels", "pixels"),
    "PNG bomb (8k x 8k, 64 MP)": (lambda: png_bomb(8000, 8000), "too_many_pixels", "limit is 40 MP"),
    "too wide": (lambda: png_bomb(13_000, 10), "too_big", "12000 pixels per side"),
}


pillow_heif.register_heif_opener(thumbnails=False)  # as storage.images does: HEIF saving in tests
