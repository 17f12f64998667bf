"""A loopback ComfyUI: the routes and websocket messages of comfyanonymous/ComfyUI's server.py.

Built on :class:`~tests.support.provider_servers.LoopbackServer` (every request recorded). A test
chooses how a queued prompt goes (``outcome``): ``success`` (execution_start, progress with binary
preview frames between, a message about another client's prompt, executed, executing node null),
``error`` (execution_error), ``hold`` (started, then waits for ``POST /interrupt``, answering it
with execution_interrupted), ``queued`` (never starts; waits to be deleted from ``/queue``) or
``drop`` (the websocket closes mid-job; the result appears on ``/history`` only).
"""

from __future__ import annotations

import asyncio
import json
import struct
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from aiohttp import WSMsgType, web

from tests.support.provider_servers import LoopbackServer, png_bytes

STEPS = 4
CHECKPOINTS = ["sdxl_base_1.0.safetensors", "dreamshaper_8.safetensors"]


@dataclass
class Job:
    prompt_id: str
    client_id: str
    graph: dict[str, Any]
    ended: asyncio.Event = field(default_factory=asyncio.Event)


class ComfyPeer:
    """Routes a ComfyUI server answers; ``events`` lists what happened, in order (``ws``, ``prompt``…)."""

    def __init__(self, server: LoopbackServer, *, image: bytes | None = None, outcome: str = "success") -> None:
        self.server = server
        self.image = image or png_bytes((30, 120, 200))
        self.outcome = outcome
        self.refuse_with: dict[str, Any] | None = None  # a 400 body for POST /prompt
        self.events: list[str] = []
        self.jobs: dict[str, Job] = {}
        self.history: dict[str, Any] = {}
        self.uploads: list[tuple[str, bytes]] = []
        self.sockets: dict[str, web.WebSocketResponse] = {}
        self.interrupted = asyncio.Event()
        self.deleted = asyncio.Event()
        self.started = asyncio.Event()
        self.queued = asyncio.Event()  # a prompt was accepted (its job is in ``jobs``)
        self._tasks: set[asyncio.Task[None]] = set()
        for method, path, handler in (("GET", "/ws", self._ws), ("POST", "/prompt", self._prompt),
                                      ("POST", "/upload/image", self._upload), ("GET", "/view", self._view),
                                      ("POST", "/interrupt", self._interrupt), ("POST", "/queue", self._queue),
                                      ("GET", "/system_stats", self._stats),
                                      ("GET", "/object_info/CheckpointLoaderSimple", self._checkpoints)):
            server.route(method, path, handler)

    @property
    def url(self) -> str:
        return self.server.url

    async def _ws(self, request: web.Request) -> web.StreamResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        client_id = request.query.get("clientId", "")
        self.sockets[client_id] = socket
        self.events.append("ws")
        await socket.send_json({"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 0}},
                                                            "sid": client_id}})
        async for message in socket:
            if message.type == WSMsgType.ERROR:
                break
        return socket

    async def _prompt(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.events.append("prompt")
        if self.refuse_with is not None:
            return web.json_response(self.refuse_with, status=400)
        job = Job(str(body.get("prompt_id") or uuid4().hex), body.get("client_id", ""), body["prompt"])
        self.jobs[job.prompt_id] = job
        self.server.route("GET", f"/history/{job.prompt_id}", self._history_of(job.prompt_id))
        self.queued.set()
        task = asyncio.create_task(self._run(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.json_response({"prompt_id": job.prompt_id, "number": len(self.jobs), "node_errors": {}})

    async def _run(self, job: Job) -> None:
        socket = self.sockets[job.client_id]
        pid = job.prompt_id
        if self.outcome == "queued":
            await self.deleted.wait()
            return
        await socket.send_json({"type": "execution_start", "data": {"prompt_id": pid}})
        self.started.set()
        await socket.send_json({"type": "progress", "data": {"value": 1, "max": STEPS, "prompt_id": "someone-else",
                                                              "node": "3"}})
        if self.outcome == "hold":
            await socket.send_json({"type": "progress", "data": {"value": 1, "max": STEPS, "prompt_id": pid,
                                                                  "node": "3"}})
            await self.interrupted.wait()
            await socket.send_json({"type": "execution_interrupted", "data": {"prompt_id": pid, "node_id": "3"}})
            return
        if self.outcome == "error":
            await socket.send_json({"type": "execution_error", "data": {
                "prompt_id": pid, "node_id": "3", "node_type": "KSampler",
                "exception_message": "CUDA out of memory", "exception_type": "torch.OutOfMemoryError"}})
            self.history[pid] = {"outputs": {}, "status": {"status_str": "error", "completed": False, "messages": []}}
            return
        for step in range(1, STEPS + 1):
            await socket.send_json({"type": "executing", "data": {"node": "3", "prompt_id": pid}})
            await socket.send_json({"type": "progress", "data": {"value": step, "max": STEPS, "prompt_id": pid,
                                                                  "node": "3"}})
            await socket.send_bytes(struct.pack(">II", 1, 2) + png_bytes((step * 40, 0, 0)))  # a preview frame
            if self.outcome == "drop" and step == 2:
                self._record_success(pid)
                await socket.close()
                return
        await socket.send_json({"type": "executed", "data": {"node": "9", "prompt_id": pid,
                                                              "output": {"images": [self._saved()]}}})
        self._record_success(pid)
        await socket.send_json({"type": "executing", "data": {"node": None, "prompt_id": pid}})

    def _record_success(self, prompt_id: str) -> None:
        self.history[prompt_id] = {
            "prompt": [1, prompt_id, self.jobs[prompt_id].graph, {}, ["9"]],
            "outputs": {"8": {"images": [{"filename": "preview.png", "subfolder": "", "type": "temp"}]},
                        "9": {"images": [self._saved()]}},
            "status": {"status_str": "success", "completed": True, "messages": [["execution_success", {}]]}}

    @staticmethod
    def _saved() -> dict[str, str]:
        return {"filename": "character-studio_00001_.png", "subfolder": "studio", "type": "output"}

    def _history_of(self, prompt_id: str) -> Any:
        async def handler(request: web.Request) -> web.StreamResponse:
            entry = self.history.get(prompt_id)
            return web.json_response({prompt_id: entry} if entry is not None else {})

        return handler

    async def _upload(self, request: web.Request) -> web.StreamResponse:
        form = self.server.calls("POST", "/upload/image")[-1].form()  # the recorder has read the body
        filename, data = form["image"]
        self.uploads.append((filename or "", data))
        self.events.append("upload")
        return web.json_response({"name": filename, "subfolder": "studio-refs", "type": form["type"][1].decode()})

    async def _view(self, request: web.Request) -> web.StreamResponse:
        return web.Response(body=self.image, content_type="image/png")

    async def _interrupt(self, request: web.Request) -> web.StreamResponse:
        self.events.append("interrupt")
        self.interrupted.set()
        return web.Response(status=200)

    async def _queue(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.events.append("queue:" + json.dumps(body, sort_keys=True))
        self.deleted.set()
        return web.Response(status=200)

    async def _stats(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({"system": {"os": "posix", "comfyui_version": "0.3.40"}, "devices": []})

    async def _checkpoints(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({"CheckpointLoaderSimple": {"input": {"required": {"ckpt_name": [CHECKPOINTS]}}}})

    async def close(self) -> None:
        for socket in list(self.sockets.values()):
            await socket.close()
        for task in list(self._tasks):
            task.cancel()
