"""The one gate every uploaded or downloaded image passes before it is stored.

The format is decided from the bytes, never from a filename or a client's content type: PNG, JPEG,
WebP, GIF (first frame) and HEIC/HEIF are accepted, everything else (SVG, PDF, HTML, a ZIP renamed
``.png``, a truncated file) is refused with :class:`ImageRejected`, whose message can be shown to the
user as it is. Limits are checked from the header before any pixel is decoded, so a small file that
claims huge dimensions (a decompression bomb) costs nothing. What comes out is re-encoded from the
pixels alone: orientation applied, colours converted to sRGB, every piece of metadata (EXIF with GPS,
XMP, ICC, comments) left behind; HEIC/HEIF and GIF become PNG.

The functions here are synchronous, module-level and take only picklable arguments, so they run in
a process pool; :mod:`storage.image_pool` has the async wrappers that keep them off the event loop.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from typing import Literal

import pillow_heif
from PIL import Image, ImageCms, ImageOps

from storage.base import THUMBNAIL_SIZES
from storage.checksum import crc32
from storage.png import encode_png, encode_threads, strip_png_metadata

# HEIF through Pillow's own API; embedded thumbnails are never needed. libheif applies the image's
# rotation/mirroring on decode and resets the EXIF orientation to 1, so orientation stays right.
pillow_heif.register_heif_opener(thumbnails=False)

CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp", "gif": "image/gif",
                 "heif": "image/heif"}
_PIL_FORMAT = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP", "gif": "GIF", "heif": "HEIF"}
_EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp"}
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
_GENERIC_HEIF_BRANDS = {b"mif1", b"msf1", b"mif2"}
_ACCEPTED = "Upload a PNG, JPEG, WebP, GIF or HEIC image."
_SRGB = ImageCms.createProfile("sRGB")


class ImageRejected(ValueError):
    """An image the gate refuses; ``message`` is written for the person who uploaded it.

    ``reason`` is a stable code for callers and tests: ``empty``, ``too_large``, ``unsupported``,
    ``corrupt``, ``too_many_pixels``, ``too_big``, ``failed``.
    """

    def __init__(self, message: str, reason: str = "unsupported") -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason

    def __reduce__(self) -> tuple[type[ImageRejected], tuple[str, str]]:
        # Raised in a worker process and re-raised in the app: keep both fields across pickling.
        return (type(self), (self.message, self.reason))


@dataclass(frozen=True)
class ImageLimits:
    """The gate's limits, filled from Settings by core (storage must not import core)."""

    max_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 40_000_000
    max_edge: int = 12_000
    reference_max_edge: int = 2048
    thumbnail_sizes: tuple[int, ...] = THUMBNAIL_SIZES


@dataclass(frozen=True)
class ImageInfo:
    """What the header says, before any pixel is decoded."""

    format: str  # png | jpeg | webp | gif | heif
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


@dataclass(frozen=True)
class ProcessedImage:
    """A cleaned image ready to store, with its WebP thumbnails (longest edge -> bytes)."""

    data: bytes
    format: str  # png | jpeg | webp
    width: int
    height: int
    source_format: str
    thumbnails: dict[int, bytes] = field(default_factory=dict)
    crc32: int = field(init=False)  # of ``data``, computed in the worker (see storage.checksum)

    def __post_init__(self) -> None:
        object.__setattr__(self, "crc32", crc32(self.data))  # frozen: set once, here

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self.format]


# -- format and limits (header only) -----------------------------------------------------------


def sniff_format(data: bytes) -> str:
    """The accepted format the bytes really are, or :class:`ImageRejected` naming what they look like."""
    if not data:
        raise ImageRejected("The file is empty.", "empty")
    head = data[:64]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":
        return _sniff_isobmff(data)
    raise ImageRejected(f"This file is {_describe(data)}, not an image we accept. {_ACCEPTED}")


def _sniff_isobmff(data: bytes) -> str:
    """HEIF and AVIF and MP4 share one container: tell them apart by the ftyp brands."""
    size = int.from_bytes(data[:4], "big")
    brands = {data[8:12]} | {data[i:i + 4] for i in range(16, min(size, 256), 4)}
    if brands & _HEIF_BRANDS:
        return "heif"
    if brands & {b"avif", b"avis"}:
        raise ImageRejected(f"AVIF images are not supported. {_ACCEPTED}")
    if brands & _GENERIC_HEIF_BRANDS:
        return "heif"
    raise ImageRejected(f"This file looks like a video, not an image. {_ACCEPTED}")


def _describe(data: bytes) -> str:
    """A human name for common non-images, so the error says what was actually uploaded."""
    magic = {b"%PDF": "a PDF document", b"PK\x03\x04": "a ZIP archive", b"PK\x05\x06": "a ZIP archive",
             b"BM": "a BMP image", b"II*\x00": "a TIFF image", b"MM\x00*": "a TIFF image",
             b"8BPS": "a Photoshop document", b"\x1f\x8b": "a gzip archive", b"\x7fELF": "a program",
             b"MZ": "a program"}
    for prefix, name in magic.items():
        if data.startswith(prefix):
            return name
    text = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in text or (text.startswith(b"<?xml") and b"svg" in text):
        return "an SVG drawing"
    if b"<html" in text or b"<!doctype html" in text or b"<script" in text or b"<body" in text:
        return "an HTML page"
    if text.startswith(b"<"):
        return "an XML document"
    return "not a recognised image"


def inspect_image(data: bytes, limits: ImageLimits) -> ImageInfo:
    """Check bytes, format and dimensions from the header alone; nothing is decoded here."""
    if len(data) > limits.max_bytes:
        raise ImageRejected(f"The file is {_mb(len(data))}; the limit is {_mb(limits.max_bytes)}.", "too_large")
    fmt = sniff_format(data)
    with _open(data, fmt) as im:
        width, height = im.size
    _check_dimensions(width, height, limits)
    return ImageInfo(fmt, width, height)


def _check_dimensions(width: int, height: int, limits: ImageLimits) -> None:
    if width <= 0 or height <= 0:
        raise ImageRejected("The image has no pixels.", "corrupt")
    if width * height > limits.max_pixels:
        raise ImageRejected(
            f"The image is {width}×{height} pixels ({width * height / 1e6:.1f} MP); "
            f"the limit is {limits.max_pixels / 1e6:g} MP.", "too_many_pixels")
    if max(width, height) > limits.max_edge:
        raise ImageRejected(
            f"The image is {width}×{height} pixels; the limit is {limits.max_edge} pixels per side.", "too_big")


def _open(data: bytes, fmt: str) -> Image.Image:
    """Open lazily (header only) with exactly the plugin the bytes were sniffed as."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=[_PIL_FORMAT[fmt]])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("The image has far too many pixels.", "too_many_pixels") from exc
    except Exception as exc:  # untrusted bytes: any parser failure is a damaged file
        raise ImageRejected(_DAMAGED, "corrupt") from exc


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


# -- decoding and cleaning ---------------------------------------------------------------------

_DAMAGED = "The image could not be read: the file is damaged or truncated."


def _decode(data: bytes, info: ImageInfo, fit_edge: int | None) -> tuple[Image.Image, bytes | None]:
    """The first frame, upright, in an L/LA/RGB/RGBA mode, with no metadata; plus its ICC profile.

    The ICC profile is returned apart (and applied by :func:`_to_srgb` after any downscale, where
    it costs a quarter as much).
    """
    try:
        if info.format == "heif":
            im = _decode_heif(data)
        else:
            im = _open(data, info.format)
            if fit_edge and info.format == "jpeg" and max(im.size) > fit_edge:
                # JPEG decodes at 1/2, 1/4, 1/8 scale for free; draft keeps it >= the target size.
                im.draft("RGB", (fit_edge, fit_edge))
            im.seek(0)
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                im.load()
            if im.getexif().get(0x0112, 1) != 1:  # skip the full copy exif_transpose makes otherwise
                im = ImageOps.exif_transpose(im)
    except ImageRejected:
        raise
    except Exception as exc:  # truncated data, bad chunks, decoder errors: untrusted input
        raise ImageRejected(_DAMAGED, "corrupt") from exc
    icc = im.info.get("icc_profile") or None
    im = _normalise_mode(im)
    im.info = {}  # Pillow writes ICC profiles and comments from .info unless it is emptied
    return im, icc


def _decode_heif(data: bytes) -> Image.Image:
    """Decode with pillow-heif directly (zero-copy into Pillow); libheif has applied rotation."""
    heif = pillow_heif.open_heif(data, convert_hdr_to_8bit=True)
    pixels = heif.data
    im = Image.frombuffer(heif.mode, heif.size, pixels, "raw", heif.mode, heif.stride, 1)
    im.info = {"icc_profile": heif.info.get("icc_profile")}
    return im


def _normalise_mode(im: Image.Image) -> Image.Image:
    if im.mode in ("L", "LA", "RGB", "RGBA", "CMYK"):
        return im
    if im.mode in ("P", "PA"):
        return im.convert("RGBA" if im.has_transparency_data else "RGB")
    if im.mode in ("1", "F"):
        return im.convert("L")
    if im.mode.startswith("I"):  # 16/32-bit greyscale: scale to 8 bits rather than clip
        wide = im if im.mode == "I" else im.convert("I")
        peak = wide.getextrema()[1]
        if isinstance(peak, int | float) and peak > 255:
            wide = wide.point(lambda value: value / 256)
        return wide.convert("L")
    return im.convert("RGBA" if "A" in im.getbands() or im.mode.endswith("a") else "RGB")


def _to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Pixels in sRGB, the colour space a browser assumes once the ICC profile is stripped."""
    if icc and im.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            if im.mode == "CMYK" or "srgb" not in (ImageCms.getProfileDescription(source) or "").lower():
                out_mode = "RGB" if im.mode == "CMYK" else im.mode
                converted = ImageCms.profileToProfile(im, source, _SRGB, outputMode=out_mode)
                if converted is not None:
                    im = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: keep the pixels as they are
    if im.mode == "CMYK":
        im = im.convert("RGB")
    im.info = {}
    return im


def _fit(im: Image.Image, edge: int) -> Image.Image:
    """Downscale to at most ``edge`` px. An integer box reduction is used when it lands within 10%
    of the edge (a 4032 px phone photo -> 2016 px): it is area averaging, ~15x cheaper than Lanczos.
    """
    longest = max(im.size)
    if longest <= edge:
        return im
    factor = -(-longest // edge)
    if longest / factor >= 0.9 * edge and im.mode != "CMYK":
        return im.reduce(factor)
    return _resize(im, edge)


def _resize(im: Image.Image, edge: int) -> Image.Image:
    """Exactly ``edge`` px on the longest side: box-reduce to >= the target, then Lanczos."""
    scale = edge / max(im.size)
    size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=1.0)


def _encode(im: Image.Image, fmt: str, *, lossless: bool = False) -> bytes:
    if fmt == "png":
        return encode_png(im)
    out = io.BytesIO()
    if fmt == "jpeg":
        im.convert("L" if im.mode in ("L", "LA") else "RGB").save(out, "JPEG", quality=90)
    else:
        _rgb(im).save(out, "WEBP", quality=90, lossless=lossless, method=4)
    return out.getvalue()


def _rgb(im: Image.Image) -> Image.Image:
    return im if im.mode in ("RGB", "RGBA") else im.convert("RGBA" if "A" in im.mode else "RGB")


def _thumbnails(im: Image.Image, sizes: tuple[int, ...]) -> dict[int, bytes]:
    """WebP thumbnails, largest first, each resized from the previous one (cheaper, same result).

    An image already smaller than a size is re-encoded at its own size, never upscaled.
    """
    thumbs: dict[int, bytes] = {}
    current = _rgb(im)
    for size in sorted(sizes, reverse=True):
        if max(current.size) > size:
            current = _resize(current, size)
        out = io.BytesIO()
        current.save(out, "WEBP", quality=80, method=2)
        thumbs[size] = out.getvalue()
    return thumbs


# -- the gate ----------------------------------------------------------------------------------


def process_image(data: bytes, limits: ImageLimits, *, max_edge: int | None = None,
                  output: Literal["keep", "png"] = "keep", thumbnails: bool = True) -> ProcessedImage:
    """Validate, decode, clean and re-encode an image, plus its thumbnails.

    ``output="keep"`` stores JPEG and WebP in their own format (re-encoded from pixels, so clean) and
    everything else - PNG, HEIC/HEIF, GIF - as PNG; ``"png"`` always stores PNG. ``max_edge``
    downscales larger images. Thumbnails are encoded in a thread while the main image is.
    """
    info = inspect_image(data, limits)
    im, icc = _decode(data, info, max_edge)
    if max_edge:
        im = _fit(im, max_edge)
    im = _to_srgb(im, icc)
    fmt = "png" if output == "png" or info.format not in ("jpeg", "webp") else info.format
    lossless = info.format == "webp" and b"VP8L" in data[12:4096]
    threads = encode_threads()
    pending = threads.submit(_thumbnails, im, limits.thumbnail_sizes) if thumbnails and threads else None
    encoded = _encode(im, fmt, lossless=lossless)
    thumbs = pending.result() if pending is not None else _thumbnails(im, limits.thumbnail_sizes) if thumbnails else {}
    return ProcessedImage(encoded, fmt, im.width, im.height, info.format, thumbs)


def prepare_reference(data: bytes, limits: ImageLimits) -> ProcessedImage:
    """A reference image as stored: cleaned, at most ``reference_max_edge`` px, with thumbnails."""
    return process_image(data, limits, max_edge=limits.reference_max_edge)


def prepare_portrait(data: bytes, limits: ImageLimits) -> ProcessedImage:
    """A generated portrait for the user library: a cleaned PNG (the ``{job_id}.png`` key) + thumbnails.

    A plain PNG (what image models return) keeps its pixel data as it is, minus its text chunks: the
    full decode still checks every byte and feeds the thumbnails, but the costly re-encode is skipped.
    """
    info = inspect_image(data, limits)
    stripped = strip_png_metadata(data) if info.format == "png" else None
    if stripped is None:
        return process_image(data, limits, output="png")
    im, _icc = _decode(data, info, None)
    return ProcessedImage(stripped, "png", im.width, im.height, "png", _thumbnails(im, limits.thumbnail_sizes))


def make_thumbnails(data: bytes, limits: ImageLimits) -> dict[int, bytes]:
    """Thumbnails alone, for an image already stored (it still passes the gate's checks first)."""
    info = inspect_image(data, limits)
    im, icc = _decode(data, info, max(limits.thumbnail_sizes))
    return _thumbnails(_to_srgb(im, icc), limits.thumbnail_sizes)
