"""Issue 5's figures: pipeline overhead beyond the provider, and 50 concurrent generations.

A loopback server speaking fal's sync protocol plays the provider (in its own thread and event loop,
as a remote service would be); the studio's fal row points at it. Overhead = pipeline wall time minus
the provider call's own time, for a 1024x1024 PNG portrait, on SQLite.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.common import bench_context, percentile, summary_ms, target
from bench.fal_loopback import FalLoopback, measure_lag, portrait_png, route_fal_to
from core import auth, characters
from core.container import Studio
from core.generation.inputs import PortraitRequest
from core.seed import seed_database

MODEL_KEY = "fal-ai/flux/dev"
OVERHEAD_RUNS = 30
CONCURRENT = 50
PROVIDER_DELAY_S = 2.0


def run() -> dict[str, Any]:
    image = portrait_png()
    figures: dict[str, Any] = {}
    with FalLoopback(image, MODEL_KEY) as provider:
        figures["overhead"] = asyncio.run(_overhead(provider))
        figures["concurrent"] = asyncio.run(_concurrent(provider))
    overhead = figures["overhead"]
    concurrent = figures["concurrent"]
    return {"figures": figures, "targets": [
        target("pipeline overhead p50, provider excluded (ms)", overhead["overhead_ms"]["p50_ms"], "<", 60),
        target(f"{CONCURRENT} concurrent x {PROVIDER_DELAY_S}s provider: wall / provider time",
               concurrent["wall_over_provider"], "<", 2.5),
        target("event-loop lag p99 during the 50 (ms)", concurrent["loop_lag_p99_ms"], "<", 50),
    ]}


async def _overhead(provider: FalLoopback) -> dict[str, Any]:
    provider.delay_s = 0.0
    with bench_context("sqlite") as ctx:
        studio, user, character_id = _setup(ctx, provider.url, max_jobs=8)
        samples, provider_ms = [], []
        for _ in range(OVERHEAD_RUNS):
            result = await studio.generation.generate_portrait(user, PortraitRequest(character_id=character_id))
            samples.append((result.timings["total_ms"] - result.timings["provider_ms"]) / 1000)
            provider_ms.append(result.timings["provider_ms"])
        await studio.generation.aclose()
    return {"overhead_ms": summary_ms(samples[3:]), "provider_call_ms_p50": sorted(provider_ms)[len(provider_ms) // 2],
            "image": "1024x1024 PNG", "runs": OVERHEAD_RUNS}


async def _concurrent(provider: FalLoopback) -> dict[str, Any]:
    provider.delay_s = PROVIDER_DELAY_S
    with bench_context("sqlite") as ctx:
        studio, user, character_id = _setup(ctx, provider.url, max_jobs=CONCURRENT)
        lags: list[float] = []
        stop = asyncio.Event()
        ticker = asyncio.create_task(measure_lag(lags, stop))
        started = time.perf_counter()
        results = await asyncio.gather(*[
            studio.generation.generate_portrait(user, PortraitRequest(character_id=character_id))
            for _ in range(CONCURRENT)])
        wall = time.perf_counter() - started
        stop.set()
        await ticker
        await studio.generation.aclose()
    return {"jobs": len(results), "wall_s": round(wall, 3), "provider_s": PROVIDER_DELAY_S,
            "wall_over_provider": round(wall / PROVIDER_DELAY_S, 3),
            "loop_lag_p99_ms": round(percentile(lags, 99) * 1000, 2),
            "loop_lag_max_ms": round(max(lags) * 1000, 2)}


def _setup(ctx: Any, url: str, max_jobs: int) -> tuple[Studio, Any, str]:
    seed_database(ctx.db)
    ctx.settings.max_jobs_total = max_jobs
    ctx.settings.max_jobs_per_user = max_jobs
    route_fal_to(ctx, url, MODEL_KEY)
    user = auth.create_user(ctx.db, "bench@example.com", "bench password")
    character = characters.create_character(ctx, user, {"name": "Bench", "description": "x" * 80})
    return Studio.create(ctx), user, character.id
