"""Image gate benchmarks (issue 4): each figure next to a bare-Pillow baseline measured in the same run.

* thumbnails of a 1024x1024 PNG portrait through the gate (sniff, header checks, decode, clean,
  512 and 256 px WebP) vs Pillow decoding the same PNG and resizing + encoding the same two WebPs;
  target: within 1.5x;
* a 12 MP HEIC (4032x3024, ~2 MB like a phone photo) turned into the stored PNG reference (at most
  2048 px - 2016 px here, an integer box reduction - cleaned, thumbnails included) vs pillow-heif's
  bare decode of the same file; target: within 1.3x;
* event-loop lag while 4 such HEIC conversions run through the process pool; target: p99 < 50 ms.

Test images are synthetic but photo-like (a gradient under blurred noise, so they compress like a
photograph rather than like a flat colour). Timings are medians of interleaved repeats, so a noisy
neighbour on a shared machine hits both sides alike. ``run()`` takes well under a minute.
"""

from __future__ import annotations

import asyncio
import io
import statistics
import time
from collections.abc import Callable
from typing import Any

import pillow_heif
from PIL import Image, ImageFilter

from bench.common import target
from core import image_gate
from core.workers import Workers
from storage.images import ImageLimits, make_thumbnails, prepare_reference

LIMITS = ImageLimits()
THUMB_TARGET = 1.5
HEIC_TARGET = 1.3
LAG_TARGET_MS = 50.0


def photo_like(width: int, height: int, blur: float = 2.0) -> Image.Image:
    """A gradient under blurred noise: compresses like a photo, not like a flat test card."""
    base = Image.radial_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.merge("RGB", [Image.effect_noise((width, height), 48) for _ in range(3)])
    return Image.blend(base, noise.filter(ImageFilter.GaussianBlur(blur)), 0.45)


def _encode(im: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **params)
    return out.getvalue()


def _interleaved(ours: Callable[[], object], bare: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median seconds of each, alternating runs so machine noise hits both sides alike."""
    ours(), bare()  # warm caches and lazy imports
    ours_t: list[float] = []
    bare_t: list[float] = []
    for _ in range(repeats):
        for fn, sink in ((ours, ours_t), (bare, bare_t)):
            start = time.perf_counter()
            fn()
            sink.append(time.perf_counter() - start)
    return statistics.median(ours_t), statistics.median(bare_t)


def bench_thumbnails(repeats: int = 15) -> dict[str, float]:
    png = _encode(photo_like(1024, 1024), "PNG")

    def bare() -> None:
        im = Image.open(io.BytesIO(png))
        im.load()
        for size in sorted(LIMITS.thumbnail_sizes, reverse=True):
            _encode(im.resize((size, size), Image.Resampling.LANCZOS), "WEBP", quality=80, method=2)

    ours, base = _interleaved(lambda: make_thumbnails(png, LIMITS), bare, repeats)
    return {"ours_ms": round(ours * 1000, 2), "pillow_ms": round(base * 1000, 2), "ratio": round(ours / base, 3)}


def bench_heic(heic: bytes, repeats: int = 7) -> dict[str, float]:
    def bare() -> None:
        pillow_heif.open_heif(heic, convert_hdr_to_8bit=True)[0].data  # noqa: B018 - forces decode

    ours, base = _interleaved(lambda: prepare_reference(heic, LIMITS), bare, repeats)
    return {"ours_ms": round(ours * 1000, 1), "pillow_heif_decode_ms": round(base * 1000, 1),
            "ratio": round(ours / base, 3), "heic_bytes": len(heic)}


async def _lag_while_converting(workers: Workers, heic: bytes, conversions: int = 4, tick_s: float = 0.005
                                ) -> dict[str, float]:
    """How late a 5 ms timer fires while the pool converts; the pool is warmed first (start-up is
    a one-off the app pays at boot, not per upload)."""
    await workers.run(make_thumbnails, _encode(photo_like(64, 64), "PNG"), LIMITS)  # warm
    lags: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            start = time.perf_counter()
            await asyncio.sleep(tick_s)
            lags.append(max(0.0, time.perf_counter() - start - tick_s))

    probe = asyncio.create_task(ticker())
    start = time.perf_counter()
    await asyncio.gather(*(image_gate.prepare_reference(workers, heic, LIMITS) for _ in range(conversions)))
    elapsed = time.perf_counter() - start
    done.set()
    await probe
    lags.sort()
    p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))]
    return {"conversions": conversions, "wall_s": round(elapsed, 2), "samples": len(lags),
            "lag_p50_ms": round(lags[len(lags) // 2] * 1000, 2), "lag_p99_ms": round(p99 * 1000, 2),
            "lag_max_ms": round(lags[-1] * 1000, 2)}


def run() -> dict[str, Any]:
    """The three figures and their targets, in the shape ``bench/__main__.py`` prints and stores."""
    # ~2 MB, like a 12 MP phone photo (a smoother image would decode faster and flatter the ratio).
    heic = _encode(photo_like(4032, 3024, 0.8), "HEIF", quality=50, enc_params={"preset": "ultrafast"})
    figures: dict[str, Any] = {
        "thumbnail_1024_png": bench_thumbnails(),
        "heic_12mp_to_png_reference": bench_heic(heic),
    }
    workers = Workers()
    try:
        figures["event_loop_lag_4_heic"] = asyncio.run(_lag_while_converting(workers, heic))
    finally:
        workers.stop()
    targets = [
        target("thumbnails of a 1024 px PNG vs bare Pillow (ratio)",
               figures["thumbnail_1024_png"]["ratio"], "<=", THUMB_TARGET),
        target("12 MP HEIC -> stored PNG reference vs pillow-heif decode (ratio)",
               figures["heic_12mp_to_png_reference"]["ratio"], "<=", HEIC_TARGET),
        target("event-loop lag p99 during 4 HEIC conversions (ms)",
               figures["event_loop_lag_4_heic"]["lag_p99_ms"], "<", LAG_TARGET_MS),
    ]
    return {"figures": figures, "targets": targets}


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
