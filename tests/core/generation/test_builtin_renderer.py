"""The offline preview renderer: real PNGs, byte-for-byte determinism, tags and reference honoured, off the loop.

The renders go through the real process pool (no mocks); timings use best-of-N so a busy machine
does not make them flaky, and the off-loop check compares tick gaps with the render's own duration.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Iterator

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageOps, ImageStat

from core.generation.providers.base import GenerationRequest, Progress, ProviderError
from core.generation.providers.builtin import BuiltinProvider
from core.render.portrait import derive_seed, render_portrait
from core.workers import Workers

PROMPT = "masterpiece, best quality, female, portrait in a cozy cafe"
TAGS = ("long red hair", "green eyes", "freckles", "black leather jacket")


@pytest.fixture(scope="module")
def workers() -> Iterator[Workers]:
    pool = Workers(processes=2)
    yield pool
    pool.stop()


@pytest.fixture
def provider(workers: Workers) -> BuiltinProvider:
    """One provider for every render, as the generation service keeps one per provider row."""
    return BuiltinProvider(workers)


def request(**overrides: object) -> GenerationRequest:
    fields: dict[str, object] = {"prompt": PROMPT, "model_key": "builtin/preview", "tags": TAGS, "seed": 42,
                                 "width": 768, "height": 768}
    fields.update(overrides)
    return GenerationRequest(**fields)  # type: ignore[arg-type]


async def generate(provider: BuiltinProvider, req: GenerationRequest) -> tuple[bytes, int | None, list[Progress]]:
    events: list[Progress] = []
    image = await provider.generate(req, events.append)
    assert image.data is not None and image.content_type == "image/png"
    return image.data, image.seed, events


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.convert("RGB")


def reference_png() -> bytes:
    """A reference nothing like a portrait card: bright stripes, so "derives from it" is measurable."""
    image = Image.new("RGB", (600, 900), (250, 220, 30))
    draw = ImageDraw.Draw(image)
    for x in range(0, 600, 120):
        draw.rectangle((x, 0, x + 60, 900), fill=(20, 160, 230))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


async def test_renders_a_png_of_at_least_768_square(provider: BuiltinProvider) -> None:
    data, _, _ = await generate(provider, request(width=512, height=512))
    assert decode(data).size == (768, 768)
    tall, _, _ = await generate(provider, request(width=768, height=1024))
    assert decode(tall).size == (768, 1024)


async def test_same_input_gives_identical_bytes_in_the_pool_and_in_process(provider: BuiltinProvider) -> None:
    first, _, _ = await generate(provider, request())
    second, _, _ = await generate(provider, request())
    assert first == second
    assert render_portrait(PROMPT, TAGS, 42) == first  # no per-process state (hash seeds, caches) leaks in


async def test_a_different_seed_prompt_or_tags_gives_different_bytes(provider: BuiltinProvider) -> None:
    base, _, _ = await generate(provider, request())
    assert (await generate(provider, request(seed=43)))[0] != base
    assert (await generate(provider, request(prompt=PROMPT + ", rain")))[0] != base
    assert (await generate(provider, request(tags=("short blue hair",))))[0] != base


async def test_no_seed_derives_one_from_the_prompt_and_returns_it(provider: BuiltinProvider) -> None:
    data, seed, _ = await generate(provider, request(seed=None))
    assert seed == derive_seed(PROMPT, TAGS)
    again, _, _ = await generate(provider, request(seed=seed))
    assert again == data


def test_hair_colour_comes_from_the_tags() -> None:
    """The fringe sits at a fixed place on a 768 canvas; its colour is the hair colour the tags name."""
    point = (384, 215)
    red = decode(render_portrait(PROMPT, ("long red hair",), 1)).getpixel(point)
    blue = decode(render_portrait(PROMPT, ("long blue hair",), 1)).getpixel(point)
    assert isinstance(red, tuple) and isinstance(blue, tuple)
    assert red[0] > red[1] + 80 and red[0] > red[2] + 80
    assert blue[2] > blue[0] + 80


async def test_i2i_result_is_closer_to_the_reference_than_t2i(provider: BuiltinProvider) -> None:
    ref = reference_png()
    fitted = ImageOps.fit(decode(ref), (768, 768))
    t2i, _, _ = await generate(provider, request())
    i2i, _, _ = await generate(provider, request(reference_image=ref))
    t2i_diff, i2i_diff = mean_difference(decode(t2i), fitted), mean_difference(decode(i2i), fitted)
    assert i2i_diff < t2i_diff * 0.6, (i2i_diff, t2i_diff)
    assert (await generate(provider, request(reference_image=ref)))[0] == i2i  # I2I is deterministic too


async def test_i2i_strength_controls_how_much_of_the_reference_stays(provider: BuiltinProvider) -> None:
    ref = reference_png()
    fitted = ImageOps.fit(decode(ref), (768, 768))
    light, _, _ = await generate(provider, request(reference_image=ref, input_defaults={"strength": 0.2}))
    strong, _, _ = await generate(provider, request(reference_image=ref, input_defaults={"strength": 0.9}))
    assert mean_difference(decode(light), fitted) < mean_difference(decode(strong), fitted)


async def test_unreadable_reference_is_a_clear_non_retryable_error(provider: BuiltinProvider) -> None:
    with pytest.raises(ProviderError) as caught:
        await generate(provider, request(reference_image=b"not an image at all"))
    assert caught.value.code == "invalid_reference" and not caught.value.retryable
    assert "reference image could not be read" in caught.value.message


async def test_reference_url_without_bytes_is_refused(provider: BuiltinProvider) -> None:
    with pytest.raises(ProviderError) as caught:
        await generate(provider, request(reference_image_url="https://example.com/ref.png"))
    assert caught.value.code == "reference_bytes_required"


async def test_progress_goes_queued_processing_finalizing(provider: BuiltinProvider) -> None:
    _, _, events = await generate(provider, request())
    assert [event.stage for event in events] == ["queued", "processing", "finalizing"]


async def test_concurrent_renders_beyond_the_pool_report_queue_positions(provider: BuiltinProvider) -> None:
    """Jobs on one provider (the pipeline keeps one per provider row) share its worker slots."""
    events: list[Progress] = []
    results = await asyncio.gather(*(provider.generate(request(seed=i), events.append) for i in range(4)))
    assert len({r.data for r in results}) == 4
    positions = [e.queue_position for e in events if e.stage == "queued"]
    assert positions == [None, None, 1, 2]
    assert sum(e.stage == "finalizing" for e in events) == 4


async def test_rendering_runs_off_the_event_loop(provider: BuiltinProvider) -> None:
    """A ticker keeps ticking while a large render runs: its longest gap is far below the render time."""
    await generate(provider, request())  # warm the pool so the measurement is the render, not the fork
    started = time.perf_counter()
    render_portrait(PROMPT, TAGS, 7, None, 1536, 1536)
    in_process = time.perf_counter() - started

    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.005)  # the tick interval itself, not a wait for a condition
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    task = asyncio.create_task(ticker())
    await generate(provider, request(seed=7, width=1536, height=1536))
    done.set()
    await task
    assert len(gaps) >= 5, gaps
    assert max(gaps) < in_process / 2, (max(gaps), in_process)


def test_render_time_is_small_at_768() -> None:
    """The target is under ~150 ms per 768x768 preview; best of five, to measure the code, not the neighbours."""
    timings = []
    for seed in range(5):
        started = time.perf_counter()
        render_portrait(PROMPT, TAGS, seed)
        timings.append(time.perf_counter() - started)
    assert min(timings) < 0.150, timings
