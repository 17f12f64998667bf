"""A loopback server speaking fal's sync protocol, and the event-loop lag ticker, for the benchmarks.

The server runs in its own thread and event loop, as a remote provider would, so its work does not
count against the studio's loop; it answers one model endpoint after ``delay_s`` with an image URL.
"""

from __future__ import annotations

import asyncio
import io
import threading

from aiohttp import web
from PIL import Image
from sqlmodel import select

from core.context import Context
from core.models import ApiModel, ApiProvider


class FalLoopback:
    """fal's sync endpoint on 127.0.0.1 in its own thread: answers after ``delay_s`` with an image URL."""

    def __init__(self, image: bytes, model_key: str) -> None:
        self.image, self.model_key = image, model_key
        self.calls = 0  # requests to the model endpoint
        self.delay_s = 0.0
        self.url = ""
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> FalLoopback:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _serve(self) -> None:
        self._loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_post(f"/{self.model_key}", self._generate)
        app.router.add_get("/portrait.png", self._png)
        runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        self._ready.set()
        self._loop.run_forever()

    async def _generate(self, _request: web.Request) -> web.Response:
        self.calls += 1
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        return web.json_response({"images": [{"url": f"{self.url}/portrait.png", "width": 1024, "height": 1024}],
                                  "seed": 1})

    async def _png(self, _request: web.Request) -> web.Response:
        return web.Response(body=self.image, content_type="image/png")


async def measure_lag(lags: list[float], stop: asyncio.Event, interval: float = 0.01) -> None:
    """Sample how late a 10 ms sleep wakes up, until ``stop``: the loop's lag as a person feels it."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        expected = loop.time() + interval
        await asyncio.sleep(interval)
        lags.append(max(0.0, loop.time() - expected))


def portrait_png() -> bytes:
    """A 1024x1024 PNG, what a provider returns."""
    image = Image.radial_gradient("L").resize((1024, 1024)).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def route_fal_to(ctx: Context, url: str, model_key: str) -> str:
    """The seeded fal provider active in sync mode at ``url`` with ``model_key`` active; returns the model's id."""
    ctx.settings.fal_key = "bench-key"
    with ctx.db.write() as session:
        provider = session.exec(select(ApiProvider).where(ApiProvider.name == "fal")).one()
        provider.is_active, provider.base_url = True, url
        provider.config = {"mode": "sync", "run_base": url}
        model = session.exec(select(ApiModel).where(ApiModel.model_key == model_key)).one()
        model.is_active = True
        session.add_all([provider, model])
        return model.id
