"""The one container of services that ``main.py`` builds and hands to the pages and the API."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from core.context import Context
from core.generation.service import GenerationService


@dataclass
class Studio:
    ctx: Context
    generation: GenerationService

    @classmethod
    def create(cls, ctx: Context) -> Studio:
        return cls(ctx=ctx, generation=GenerationService(ctx))

    async def start(self) -> None:
        await self.ctx.events.start()

    async def stop(self) -> None:
        await self.generation.aclose()
        await self.ctx.events.stop()
        await asyncio.to_thread(_stop_pools)
        self.ctx.db.dispose()


def _stop_pools() -> None:
    """Worker processes (image gate, offline renderer) end with the app, not at interpreter exit."""
    from core.generation.providers.builtin import shutdown_render_pool
    from storage.image_pool import shutdown_pool

    shutdown_pool()
    shutdown_render_pool(wait=True)
