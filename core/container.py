"""The one container of services that ``main.py`` builds and hands to the pages and the API."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from core.context import Context
from core.expressions.service import ExpressionService
from core.generation.service import GenerationService
from core.sign_in import SignInThrottle


@dataclass
class Studio:
    ctx: Context
    generation: GenerationService
    expressions: ExpressionService
    sign_ins: SignInThrottle = field(default_factory=SignInThrottle)  # failed sign-ins, UI and API alike
    _warming: asyncio.Task[None] | None = field(default=None, repr=False)

    @classmethod
    def create(cls, ctx: Context) -> Studio:
        generation = GenerationService(ctx)
        return cls(ctx=ctx, generation=generation, expressions=ExpressionService(ctx, generation))

    async def start(self) -> None:
        await self.ctx.events.start()
        await self.generation.start()  # heartbeats and the sweep of stale jobs, from now on
        await self.expressions.start()  # sets a stopped process left unfinished carry on
        # The forkserver and its workers start now, in a thread, while the server starts serving: the
        # first upload or render does not wait for them, and the event loop never does.
        self._warming = asyncio.create_task(asyncio.to_thread(self.ctx.workers.start), name="start-workers")

    async def stop(self) -> None:
        if self._warming is not None:
            await asyncio.gather(self._warming, return_exceptions=True)
        await self.expressions.aclose()
        await self.generation.aclose()
        await self.ctx.events.stop()
        await asyncio.to_thread(self.ctx.workers.stop)  # worker processes end with the app
        self.ctx.db.dispose()
