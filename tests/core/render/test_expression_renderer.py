"""The offline expression sprites, drawn in-process: one face, each label's expression, real PNG bytes.

What a person sees: every label's face differs from every other's where the face is, the look (hair,
skin, outfit) stays the same across the set, a transparent sprite is transparent around the bust, a
plain one is opaque, and the same inputs give the same bytes. The contact sheet of the 28 labels is
written to tests/artifacts/ for a human look.
"""

from __future__ import annotations

import io
import itertools
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from core.expressions.labels import ESSENTIAL, SILLYTAVERN
from core.render.expression import render_expression
from core.render.expression_faces import EXPRESSION_FACES, derived_face, face_for
from core.render.portrait import render_portrait

TAGS = ("long red hair", "green eyes", "freckles", "black leather jacket")
RED_HAIR = (178, 42, 42)
SEED = 1234
SIZE = 768
FACE_BOX = (0.27, 0.16, 0.73, 0.72)  # where the head is, as fractions of the canvas
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
TILE = 256


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    image.load()
    return image


@pytest.fixture(scope="module")
def sprites() -> dict[str, Image.Image]:
    """Every SillyTavern label, transparent, same seed (so only the label differs)."""
    return {label: decode(render_expression(label, TAGS, SEED, None, SIZE, SIZE, True)) for label in SILLYTAVERN}


def face_region(image: Image.Image) -> Image.Image:
    w, h = image.size
    return image.crop((round(FACE_BOX[0] * w), round(FACE_BOX[1] * h), round(FACE_BOX[2] * w),
                       round(FACE_BOX[3] * h))).convert("RGB")


def changed_pixels(a: Image.Image, b: Image.Image, threshold: int = 48) -> int:
    diff = ImageChops.difference(face_region(a), face_region(b)).convert("L")
    return sum(diff.point(lambda v: 255 if v > threshold else 0).histogram()[255:])


def dominant_colours(image: Image.Image, count: int = 3) -> set[tuple[int, int, int]]:
    """The most common opaque colours: hair, outfit and skin, the big flat areas of the bust."""
    rgba = image.convert("RGBA")
    colours = rgba.getcolors(rgba.width * rgba.height) or []
    opaque = Counter({colour[:3]: n for n, colour in colours if colour[3] == 255})  # type: ignore[index]
    return {colour for colour, _ in opaque.most_common(count)}


def test_the_table_covers_every_shipped_label() -> None:
    assert set(SILLYTAVERN) <= set(EXPRESSION_FACES)
    assert set(ESSENTIAL) <= set(EXPRESSION_FACES)


def test_every_label_renders_a_transparent_png_of_the_asked_size(sprites: dict[str, Image.Image]) -> None:
    assert len(sprites) == 28
    for label, image in sprites.items():
        assert image.size == (SIZE, SIZE), label
        assert image.mode == "RGBA", label
        w, h = image.size
        for corner in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)):
            assert image.getpixel(corner)[3] == 0, (label, corner)  # type: ignore[index]
        alpha = image.getchannel("A")
        assert alpha.getpixel((w // 2, h // 2)) == 255  # the bust itself is opaque
        transparent = alpha.histogram()[0]
        assert transparent > 0.2 * w * h, label  # a real background around the bust, not a speck


def test_every_pair_of_labels_differs_where_the_face_is(sprites: dict[str, Image.Image]) -> None:
    region = face_region(sprites["neutral"])
    floor = region.width * region.height // 50  # at least 2 % of the face region visibly changes
    for (a, image_a), (b, image_b) in itertools.combinations(sprites.items(), 2):
        assert changed_pixels(image_a, image_b) > floor, f"{a} and {b} look the same"


def test_the_same_face_in_every_label(sprites: dict[str, Image.Image]) -> None:
    looks = {label: dominant_colours(image) for label, image in sprites.items()}
    first = looks["neutral"]
    assert RED_HAIR in first  # the tags' hair colour
    assert all(colours == first for colours in looks.values()), looks


def test_the_look_does_not_follow_the_seed_but_the_face() -> None:
    """A set gives each label its own seed: the look must still be the set's."""
    one = decode(render_expression("joy", TAGS, 1, None, SIZE, SIZE, True))
    other = decode(render_expression("joy", TAGS, 987654, None, SIZE, SIZE, True))
    assert dominant_colours(one) == dominant_colours(other)


def test_same_inputs_same_bytes_and_the_seed_varies_an_alternative_a_little() -> None:
    first = render_expression("grief", TAGS, 77, None, SIZE, SIZE, True)
    assert render_expression("grief", TAGS, 77, None, SIZE, SIZE, True) == first
    assert render_expression("grief", TAGS, 78, None, SIZE, SIZE, True) != first


def test_plain_background_is_one_opaque_colour() -> None:
    image = decode(render_expression("surprise", TAGS, SEED, None, SIZE, SIZE, False))
    assert image.mode == "RGB"
    w, h = image.size
    corners = {image.getpixel(c) for c in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1), (5, h // 3))}
    assert len(corners) == 1  # plain: the same colour all around


def test_a_reference_gives_its_colours_to_the_face() -> None:
    """From the built-in portrait of the same tags: the same hair, skin and outfit. From a different
    face (a blue-haired one): that face's hair, whatever the tags say."""
    portrait = render_portrait("portrait", TAGS, 5)
    from_portrait = decode(render_expression("joy", TAGS, SEED, portrait, SIZE, SIZE, True))
    assert RED_HAIR in dominant_colours(from_portrait)

    blue = Image.new("RGB", (600, 800), (30, 60, 200))
    buffer = io.BytesIO()
    blue.save(buffer, "PNG")
    from_blue = decode(render_expression("joy", TAGS, SEED, buffer.getvalue(), SIZE, SIZE, True))
    assert (30, 60, 200) in dominant_colours(from_blue)
    assert RED_HAIR not in dominant_colours(from_blue)


def test_an_unreadable_reference_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="reference image could not be read"):
        render_expression("joy", TAGS, SEED, b"not an image", SIZE, SIZE, True)
    with pytest.raises(ValueError, match="needs a label"):
        render_expression("  ", TAGS, SEED, None, SIZE, SIZE, True)


def test_custom_labels_borrow_a_synonym_or_get_a_stable_face_of_their_own() -> None:
    assert face_for("happy") == EXPRESSION_FACES["joy"]
    assert face_for("very-angry") == EXPRESSION_FACES["anger"]
    assert face_for("smug_grin") == EXPRESSION_FACES["pride"]
    assert face_for("xq7") == derived_face("xq7") == face_for("xq7")
    assert derived_face("xq7") != derived_face("zz9")
    custom = render_expression("battle-cry", TAGS, SEED, None, SIZE, SIZE, True)
    assert custom == render_expression("battle-cry", TAGS, SEED, None, SIZE, SIZE, True)
    assert changed_pixels(decode(custom), decode(render_expression("neutral", TAGS, SEED, None, SIZE, SIZE, True))) > 0


def test_a_tall_canvas_keeps_head_and_shoulders_framing() -> None:
    image = decode(render_expression("joy", TAGS, SEED, None, 768, 1024, True))
    assert image.size == (768, 1024)
    alpha = image.getchannel("A")
    assert alpha.getpixel((0, 0)) == 0 and alpha.getpixel((767, 1023)) == 0
    assert alpha.getpixel((384, 1000)) == 255  # the chest runs off the bottom edge


def test_contact_sheet_of_the_28_labels(sprites: dict[str, Image.Image]) -> None:
    """The set as a person would look at it: 256 px tiles over a checkerboard (transparency shows)."""
    columns = 7
    rows = -(-len(sprites) // columns)
    sheet = Image.new("RGBA", (TILE * columns, TILE * rows))
    for y in range(0, sheet.height, 16):
        for x in range(0, sheet.width, 16):
            grey = 204 if (x // 16 + y // 16) % 2 else 240
            sheet.paste((grey, grey, grey, 255), (x, y, x + 16, y + 16))
    for index, image in enumerate(sprites.values()):
        tile = image.resize((TILE, TILE), Image.Resampling.LANCZOS)
        sheet.alpha_composite(tile, ((index % columns) * TILE, (index // columns) * TILE))
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "expressions_builtin_sheet.png"
    sheet.convert("RGB").save(path)
    assert decode(path.read_bytes()).size == (TILE * columns, TILE * rows)
