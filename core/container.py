"""The one container of services that ``main.py`` builds and hands to the pages and the API."""

from __future__ import annotations

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
        self.ctx.db.dispose()
