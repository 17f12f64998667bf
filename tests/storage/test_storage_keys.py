"""Object keys: the seed's layouts, thumbnails beside images, and nothing that escapes a bucket."""

from __future__ import annotations

import pytest

from storage.base import (
    InvalidKey,
    is_thumbnail_key,
    normalise_prefix,
    object_key,
    portrait_key,
    reference_key,
    thumbnail_key,
)


def test_seed_layouts() -> None:
    assert reference_key("u1", "c1", "face.png") == "u1/c1/face.png"
    assert portrait_key("u1", "c1", "job9") == "u1/portraits/c1/job9.png"
    assert portrait_key(7, 8, 9) == "7/portraits/8/9.png"


def test_thumbnails_sit_beside_the_image_and_are_recognised() -> None:
    key = portrait_key("u1", "c1", "job9")
    assert thumbnail_key(key, 256) == "u1/portraits/c1/job9.png.thumb-256.webp"
    assert thumbnail_key("u1/c1/face.jpg", 512) != thumbnail_key("u1/c1/face.png", 512)
    assert is_thumbnail_key(thumbnail_key(key, 512)) and not is_thumbnail_key(key)
    with pytest.raises(InvalidKey):
        thumbnail_key(thumbnail_key(key, 256), 256)


@pytest.mark.parametrize("parts", [
    ("..",), ("u1", ".."), ("u1", "../c1"), ("u1/../../etc",), ("/etc", "passwd"), ("u1", "/abs"),
    ("u1\\..\\x",), ("u1", "a\x00b"), ("u1", "a\x1fb"), ("u1", "a\x7fb"), ("u1", ""), ("u1//c1",),
    ("u1", "."), ("u1/",), (), ("u1", "x" * 256), tuple(["abc"] * 300),
])
def test_unsafe_keys_are_refused(parts: tuple[str, ...]) -> None:
    with pytest.raises(InvalidKey):
        object_key(*parts)


def test_reference_key_refuses_a_filename_with_a_path() -> None:
    with pytest.raises(InvalidKey):
        reference_key("u1", "c1", "../../u2/c2/face.png")


def test_ordinary_names_pass_through_unchanged() -> None:
    assert object_key("u1", "c1", "my photo (1) é.png") == "u1/c1/my photo (1) é.png"
    assert object_key("u1/c1", "a..b.png") == "u1/c1/a..b.png"


def test_listing_prefixes_are_whole_segments() -> None:
    assert normalise_prefix("reference_images", "") == ""
    assert normalise_prefix("reference_images", "u1") == "u1/"
    assert normalise_prefix("reference_images", "u1/c1/") == "u1/c1/"
    for bad in ("../u1", "/u1", "u1/../u2"):
        with pytest.raises(InvalidKey):
            normalise_prefix("reference_images", bad)
    with pytest.raises(InvalidKey):
        normalise_prefix("elsewhere", "u1")
