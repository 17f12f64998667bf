"""Expression sprites through the built-in provider and the real worker pool, then through the image gate.

The provider must draw the expression (not the portrait card) when the request names one, say which
background it drew, and report a bad reference as a ProviderError; the gate that stores every
generated image must keep a transparent sprite transparent (the PNG and its thumbnails).
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image

from core.generation.providers.base import GenerationRequest, ProviderError
from core.generation.providers.builtin import BuiltinProvider
from core.image_gate import prepare_portrait
from core.render.expression import render_expression
from core.render.portrait import render_portrait
from core.workers import Workers
from storage.images import ImageLimits

TAGS = ("short silver hair", "blue eyes", "white shirt")
FACE = render_portrait("the face", TAGS, 9)


@pytest.fixture(scope="module")
def workers() -> Iterator[Workers]:
    pool = Workers(processes=2)
    yield pool
    pool.stop()


@pytest.fixture
def provider(workers: Workers) -> BuiltinProvider:
    return BuiltinProvider(workers)


def request(**overrides: object) -> GenerationRequest:
    """What the set runner sends: i2i from the face, the label, the background wish, a seed per label."""
    fields: dict[str, object] = {"prompt": "joyful beaming smile, head and shoulders portrait",
                                 "model_key": "builtin/preview", "tags": TAGS, "seed": 4242, "width": 1024,
                                 "height": 1024, "reference_image": FACE, "expression": "joy", "transparent": True}
    fields.update(overrides)
    return GenerationRequest(**fields)  # type: ignore[arg-type]


def corners_alpha(image: Image.Image) -> set[int]:
    w, h = image.size
    alpha = image.convert("RGBA").getchannel("A")
    return {alpha.getpixel(c) for c in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1))}  # type: ignore[misc]


async def test_the_provider_draws_the_expression_sprite_in_the_pool(provider: BuiltinProvider) -> None:
    image = await provider.generate(request(), lambda _progress: None)
    assert image.data is not None and image.content_type == "image/png" and image.seed == 4242
    assert image.extra["background"] == "transparent" and image.extra["expression"] == "joy"
    assert image.extra["mode"] == "i2i" and image.extra["offline"] is True
    # exactly the renderer's bytes for these inputs: the pool draws the sprite, not the portrait card
    assert image.data == render_expression("joy", TAGS, 4242, FACE, 1024, 1024, True)
    decoded = Image.open(io.BytesIO(image.data))
    assert decoded.mode == "RGBA" and decoded.size == (1024, 1024)
    assert corners_alpha(decoded) == {0}
    again = await provider.generate(request(), lambda _progress: None)
    assert again.data == image.data


async def test_plain_background_is_reported_and_opaque(provider: BuiltinProvider) -> None:
    image = await provider.generate(request(transparent=False, expression="anger"), lambda _progress: None)
    assert image.extra["background"] == "plain"
    assert image.data is not None
    decoded = Image.open(io.BytesIO(image.data))
    assert decoded.mode == "RGB"


async def test_a_portrait_request_still_gets_the_portrait_card(provider: BuiltinProvider) -> None:
    image = await provider.generate(request(expression=None, transparent=False, width=768, height=768),
                                    lambda _progress: None)
    assert "background" not in image.extra
    assert image.data == render_portrait(request().prompt, TAGS, 4242, FACE, 768, 768, 0.6)


async def test_bad_inputs_are_provider_errors(provider: BuiltinProvider) -> None:
    with pytest.raises(ProviderError) as unreadable:
        await provider.generate(request(reference_image=b"garbage"), lambda _progress: None)
    assert unreadable.value.code == "invalid_reference"
    with pytest.raises(ProviderError) as empty:
        await provider.generate(request(expression=" "), lambda _progress: None)
    assert empty.value.code == "invalid_expression"


async def test_the_image_gate_keeps_the_transparency(provider: BuiltinProvider, workers: Workers) -> None:
    """``store_portrait`` stores what ``prepare_portrait`` gives: the PNG and its WebP thumbnails."""
    image = await provider.generate(request(expression="surprise"), lambda _progress: None)
    assert image.data is not None
    gated = await prepare_portrait(workers, image.data, ImageLimits())
    stored = Image.open(io.BytesIO(gated.data))
    assert gated.format == "png" and stored.mode == "RGBA"
    assert corners_alpha(stored) == {0}
    assert stored.getchannel("A").getpixel((512, 512)) == 255
    assert gated.thumbnails
    for size, thumb in gated.thumbnails.items():
        small = Image.open(io.BytesIO(thumb))
        assert small.mode == "RGBA", size
        assert corners_alpha(small) == {0}, size
