"""The image gate: formats from bytes, limits before decoding, clean upright output, thumbnails."""

from __future__ import annotations

import io
import pickle
import struct
from collections.abc import Callable

import pytest
from PIL import Image, ImageCms

from storage.images import (
    ImageLimits,
    ImageRejected,
    inspect_image,
    make_thumbnails,
    prepare_portrait,
    prepare_reference,
    sniff_format,
)
from tests.support.storage import (
    BAD_INPUTS,
    encode,
    halves,
    heic_bytes,
    jpeg_with_gps_and_orientation,
    png_bomb,
    png_bytes,
    png_chunk,
    png_chunk_types,
)

LIMITS = ImageLimits()


def opened(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


ACCEPTED: dict[str, Callable[[], bytes]] = {
    "png": lambda: png_bytes(40, 30),
    "jpeg": lambda: encode(halves(40, 30), "JPEG"),
    "webp": lambda: encode(halves(40, 30), "WEBP"),
    "gif": lambda: encode(halves(40, 30).convert("P"), "GIF"),
    "heif": lambda: heic_bytes(40, 30),
}
STORED_AS = {"png": "png", "jpeg": "jpeg", "webp": "webp", "gif": "png", "heif": "png"}


@pytest.mark.parametrize("fmt", list(ACCEPTED))
def test_accepted_formats_are_recognised_from_bytes_and_stored_cleanly(fmt: str) -> None:
    data = ACCEPTED[fmt]()
    assert sniff_format(data) == fmt
    assert inspect_image(data, LIMITS).content_type.startswith("image/")
    result = prepare_reference(data, LIMITS)
    assert (result.source_format, result.format) == (fmt, STORED_AS[fmt])
    out = opened(result.data)
    assert out.format.lower() == {"jpeg": "jpeg", "png": "png", "webp": "webp"}[result.format]
    assert out.size == (result.width, result.height) == (40, 30)
    assert result.content_type == f"image/{result.format}" and result.extension in ("png", "jpg", "webp")


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_inputs_are_refused_with_a_clear_reason(name: str) -> None:
    build, reason, words = BAD_INPUTS[name]
    data = build()
    with pytest.raises(ImageRejected) as raised:
        prepare_reference(data, LIMITS)
    assert raised.value.reason == reason
    assert words in raised.value.message and str(raised.value) == raised.value.message


def test_a_bomb_is_refused_from_its_header_before_any_decoding() -> None:
    # The pixel data is garbage: had the gate decoded it, the error would be "corrupt".
    with pytest.raises(ImageRejected) as raised:
        prepare_reference(png_bomb(8000, 8000, valid_pixels=False), LIMITS)
    assert raised.value.reason == "too_many_pixels"
    assert "8000×8000 pixels (64.0 MP)" in raised.value.message


def test_the_byte_limit_comes_first() -> None:
    data = png_bytes(200, 200)
    with pytest.raises(ImageRejected) as raised:
        prepare_reference(data, ImageLimits(max_bytes=len(data) - 1))
    assert raised.value.reason == "too_large" and "MB; the limit is" in raised.value.message
    assert prepare_reference(data, ImageLimits(max_bytes=len(data))).width == 200


def test_configured_pixel_and_edge_limits_apply() -> None:
    with pytest.raises(ImageRejected, match="limit is 0.01 MP"):
        prepare_reference(png_bytes(200, 100), ImageLimits(max_pixels=10_000))
    with pytest.raises(ImageRejected, match="100 pixels per side"):
        prepare_reference(png_bytes(101, 20), ImageLimits(max_edge=100))


def test_a_sideways_jpeg_with_gps_comes_back_upright_with_no_metadata() -> None:
    source = jpeg_with_gps_and_orientation(6)
    assert opened(source).getexif().get_ifd(0x8825)  # the fixture really carries GPS
    result = prepare_reference(source, LIMITS)
    out = opened(result.data)
    assert out.size == (200, 300)  # rotated to portrait
    assert out.getpixel((100, 20))[2] > 200 and out.getpixel((100, 280))[0] > 200  # blue on top
    assert len(out.getexif()) == 0 and "exif" not in out.info and "comment" not in out.info
    for marker in (b"Exif", b"PhoneMaker", b"private comment", b"http://ns.adobe.com/xap"):
        assert marker not in result.data
    for thumb in result.thumbnails.values():
        assert opened(thumb).size[1] > opened(thumb).size[0] and b"Exif" not in thumb


def test_png_text_exif_and_icc_chunks_are_dropped() -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "GPS 48.85N 2.29E")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = encode(halves(64, 64), "PNG", pnginfo=info, exif=exif, icc_profile=icc)
    assert {b"tEXt", b"eXIf", b"iCCP"} <= set(png_chunk_types(source))
    result = prepare_portrait(source, LIMITS)
    assert png_chunk_types(result.data) == [b"IHDR", b"IDAT", b"IEND"]
    assert opened(result.data).tobytes() == halves(64, 64).tobytes()


def test_webp_exif_and_xmp_are_dropped() -> None:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    source = encode(halves(64, 64), "WEBP", exif=exif, xmp=b"<x:xmpmeta>secret</x:xmpmeta>", lossless=True)
    result = prepare_reference(source, LIMITS)
    assert result.format == "webp"
    assert b"EXIF" not in result.data and b"XMP " not in result.data and b"secret" not in result.data
    assert opened(result.data).tobytes() == halves(64, 64).tobytes()  # lossless stays lossless


def test_heic_becomes_an_upright_png() -> None:
    result = prepare_reference(heic_bytes(320, 240, orientation=6), LIMITS)
    assert (result.source_format, result.format) == ("heif", "png")
    out = opened(result.data)
    assert out.size == (240, 320)
    assert out.getpixel((120, 10))[2] > 200 and out.getpixel((120, 310))[0] > 200
    assert png_chunk_types(result.data) == [b"IHDR", b"IDAT", b"IEND"]


def test_only_the_first_gif_frame_is_kept() -> None:
    frames = [Image.new("RGB", (32, 32), colour).convert("P") for colour in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    out = opened(prepare_reference(buffer.getvalue(), LIMITS).data)
    assert out.format == "PNG" and out.convert("RGB").getpixel((5, 5)) == (255, 0, 0)


def test_references_are_downscaled_to_the_configured_edge() -> None:
    phone = prepare_reference(encode(halves(4032, 3024), "JPEG"), LIMITS)
    assert (phone.width, phone.height) == (2016, 1512)  # box reduction by 2, within 10% of 2048
    odd = prepare_reference(png_bytes(3000, 2000), LIMITS)
    assert (odd.width, odd.height) == (2048, 1365)
    small = prepare_reference(png_bytes(1000, 800), ImageLimits(reference_max_edge=500))
    assert (small.width, small.height) == (500, 400)
    portrait = prepare_portrait(png_bytes(3000, 2000), LIMITS)
    assert (portrait.width, portrait.height) == (3000, 2000)  # portraits keep their size


def test_thumbnails_are_webp_at_256_and_512_never_upscaled() -> None:
    result = prepare_portrait(encode(halves(1024, 768), "JPEG"), LIMITS)
    assert result.format == "png"
    sizes = {size: opened(data) for size, data in result.thumbnails.items()}
    assert {size: im.format for size, im in sizes.items()} == {256: "WEBP", 512: "WEBP"}
    assert sizes[512].size == (512, 384) and sizes[256].size == (256, 192)
    assert sizes[256].getpixel((10, 96))[2] > 200  # still blue on the left
    tiny = make_thumbnails(png_bytes(100, 50), LIMITS)
    assert {size: opened(data).size for size, data in tiny.items()} == {256: (100, 50), 512: (100, 50)}


def test_unusual_modes_are_converted_not_clipped() -> None:
    row = struct.pack("<16H", *([32768] * 8 + [65535] * 8))
    grey16 = Image.frombytes("I;16", (16, 16), row * 16)
    out = opened(prepare_reference(encode(grey16, "PNG"), LIMITS).data)
    assert out.mode == "L" and out.getpixel((12, 4)) == 255 and out.getpixel((2, 4)) == 128
    palette = Image.new("P", (16, 16), 0)
    palette.putpalette([255, 0, 0, 0, 255, 0])
    palette.paste(1, (0, 0, 8, 16))  # left: opaque green (index 1); right: index 0, transparent
    out = opened(prepare_reference(encode(palette, "PNG", transparency=0), LIMITS).data)
    assert out.mode == "RGBA" and out.getpixel((12, 4))[3] == 0 and out.getpixel((2, 4))[3] == 255
    cmyk = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # red in ink
    result = prepare_reference(encode(cmyk, "JPEG"), LIMITS)
    out = opened(result.data)
    assert result.format == "jpeg" and out.mode == "RGB" and out.getpixel((8, 8))[0] > 200


def test_image_rejected_survives_pickling_with_its_reason() -> None:
    error = pickle.loads(pickle.dumps(ImageRejected("The file is empty.", "empty")))
    assert (error.message, error.reason, str(error)) == ("The file is empty.", "empty", "The file is empty.")


def test_png_chunk_helper_sanity() -> None:
    assert png_chunk(b"IEND", b"")[-4:] == bytes.fromhex("ae426082")
