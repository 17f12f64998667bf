"""ComfyUI's own protocol: a workflow graph queued with ``POST /prompt``, followed on its websocket.

The websocket (``GET /ws?clientId=…``) is opened *before* the prompt is queued, so no message about
our job can be missed; messages are filtered by ``prompt_id`` (newer servers broadcast others' too).
``progress`` drives the percentage, binary preview frames are ignored, and the job ends on
``executing`` with ``node: null``, ``execution_success``, ``execution_error`` or
``execution_interrupted``; the result is then confirmed with ``GET /history/{prompt_id}`` and the
image fetched with ``GET /view``. If the websocket drops, the job is followed on ``/history``.
A reference image is uploaded first (``POST /upload/image``) and its name put where the workflow
says ``"%reference_image%"``. Cancelling deletes a job still queued and interrupts a running one.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import random
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from core.generation.providers._http import HttpAdapter, ProgressReporter, reference_bytes, sniff_image_type
from core.generation.providers.base import GeneratedImage, GenerationRequest, Progress, ProviderError
from core.generation.providers.comfy_workflow import (
    WorkflowError,
    fill_placeholders,
    placeholders_in,
    validate_workflow,
)
from core.generation.providers.retry import error_from_response

log = logging.getLogger(__name__)

MAX_FRAME = 64 * 1024 * 1024  # preview frames of large images; ignored, but they must not break the socket
DEFAULTS = {"steps": 25, "scale": 7.0, "denoise": 0.6, "negative_prompt": ""}


class ComfyUIProvider(HttpAdapter):
    """A ComfyUI server (no auth by default; never sends an ``Origin`` that differs from its host)."""

    name = "comfyui"

    def __init__(self, base_url: str = "http://127.0.0.1:8188", *, timeout: float = 300.0,
                 request_timeout: float | None = None, attempts: int = 3, base_delay: float = 0.5,
                 max_delay: float = 20.0, cancel_timeout: float = 5.0, poll_interval: float = 1.0,
                 client: httpx.AsyncClient | None = None) -> None:
        super().__init__(base_url=base_url, secret=None, timeout=timeout, request_timeout=request_timeout,
                         attempts=attempts, base_delay=base_delay, max_delay=max_delay,
                         cancel_timeout=cancel_timeout, client=client)
        self.poll_interval = poll_interval

    async def _generate(self, request: GenerationRequest, report: ProgressReporter) -> GeneratedImage:
        graph = _workflow(request)
        client_id = uuid4().hex
        async with self._socket(client_id) as socket:
            values = await self._values(request, graph)
            try:
                filled = fill_placeholders(graph, values)
            except WorkflowError as exc:
                raise ProviderError(f"comfyui: {exc}", code="reference_required") from exc
            watch = _Watch(uuid4().hex)  # ours, so a job queued just as it is cancelled can be deleted
            try:
                watch.prompt_id = await self._queue(filled, client_id, watch.prompt_id)
                report(Progress("queued", message="Queued on ComfyUI"))
                await self._follow(socket, watch, report)
            except asyncio.CancelledError:
                await self._cancel(watch)
                raise
            prompt_id = watch.prompt_id
        report(Progress("finalizing", percent=100.0, message="Fetching the image"))
        image = await self._result(prompt_id)
        data = await self._view(image)
        return GeneratedImage(data=data, content_type=sniff_image_type(data), seed=values.get("seed"),
                              request_id=prompt_id, extra={"comfyui_image": image})

    # -- the protocol's steps --------------------------------------------------------------------

    def _socket(self, client_id: str) -> _Connection:
        """The job's websocket. ComfyUI is a local backend: no proxy from the environment."""
        parts = urlsplit(self.base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        url = urlunsplit((scheme, parts.netloc, f"{parts.path.rstrip('/')}/ws", f"clientId={client_id}", ""))
        return _Connection(url, self._call_timeout())

    async def _values(self, request: GenerationRequest, graph: dict[str, Any]) -> dict[str, Any]:
        """The placeholders' values: the row's defaults, the request, the uploaded reference; the
        checkpoint the row names, else the first the server offers (a seeded row cannot know them)."""
        defaults = {**DEFAULTS, **{k: v for k, v in request.input_defaults.items() if k != "workflow"}}
        seed = request.seed if request.seed is not None and request.seed >= 0 else random.randrange(2**32)
        values: dict[str, Any] = {
            **{k: defaults.get(k) for k in ("steps", "scale", "denoise", "sampler", "scheduler", "clip_skip")},
            "prompt": request.prompt, "negative_prompt": request.negative_prompt or defaults["negative_prompt"],
            "seed": seed, "width": int(defaults.get("width") or request.width),
            "height": int(defaults.get("height") or request.height),
            "model": defaults.get("model"),
        }
        used = placeholders_in(graph)
        if "model" in used and not values["model"]:  # the row names no checkpoint: the server's first
            values["model"] = next(iter(await self.checkpoints()), request.model_key)
        if request.is_i2i and "reference_image" in used:
            values["reference_image"] = await self._upload(reference_bytes(request, self.name))
        if request.is_i2i and "char_avatar" in used:
            values["char_avatar"] = base64.b64encode(reference_bytes(request, self.name)).decode("ascii")
        return values

    async def _upload(self, data: bytes) -> str:
        """``POST /upload/image``; the name a ``LoadImage`` node takes (``subfolder/name``)."""
        name = f"character-studio-{hashlib.sha256(data).hexdigest()[:16]}.{sniff_image_type(data).split('/')[1]}"
        body = await self._call("POST", f"{self.base_url}/upload/image",
                                files={"image": (name, data, sniff_image_type(data))},
                                data={"type": "input", "overwrite": "true"})
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            raise ProviderError("comfyui: malformed answer to the reference upload", code="bad_response")
        subfolder = body.get("subfolder") or ""
        return f"{subfolder}/{body['name']}" if subfolder else body["name"]

    async def _queue(self, graph: dict[str, Any], client_id: str, prompt_id: str) -> str:
        """``POST /prompt`` once: a retry after a lost answer could queue the job twice. ComfyUI takes
        the ``prompt_id`` we give; the one it answers is used (older servers choose their own)."""
        body = await self._send("POST", f"{self.base_url}/prompt", expect_json=True, headers=None,
                                json={"prompt": graph, "client_id": client_id, "prompt_id": prompt_id})
        answered = body.get("prompt_id") if isinstance(body, dict) else None
        if not isinstance(answered, str) or not answered:
            raise ProviderError("comfyui: malformed answer to the prompt (no prompt_id)", code="bad_response")
        return answered

    async def _follow(self, socket: ClientConnection, watch: _Watch, report: ProgressReporter) -> None:
        """Until the job ends, from the websocket; from ``/history`` if the websocket drops."""
        try:
            async for message in socket:
                if watch.read(message, report):
                    return
        except ConnectionClosed:
            log.info("comfyui: the websocket closed; following prompt %s on /history", watch.prompt_id)
        while True:  # polling is all /history offers
            if await self._history_entry(watch.prompt_id) is not None:
                return
            await asyncio.sleep(self.poll_interval)

    async def _history_entry(self, prompt_id: str) -> dict[str, Any] | None:
        body = await self._call("GET", f"{self.base_url}/history/{prompt_id}")
        entry = body.get(prompt_id) if isinstance(body, dict) else None
        if not isinstance(entry, dict):
            return None
        status = entry.get("status") if isinstance(entry.get("status"), dict) else {}
        return entry if status.get("completed") or status.get("status_str") in ("success", "error") else None

    async def _result(self, prompt_id: str) -> dict[str, Any]:
        """The first output image of the finished job, as ``/history`` records it."""
        entry = await self._history_entry(prompt_id)
        if entry is None:
            raise ProviderError("comfyui: the job ended but /history has no record of it", code="bad_response")
        status = entry.get("status") or {}
        if status.get("status_str") == "error":
            raise ProviderError(f"comfyui: the job failed: {_history_error(status)}", code="provider_error")
        images = [image for output in (entry.get("outputs") or {}).values() if isinstance(output, dict)
                  for image in output.get("images") or [] if isinstance(image, dict) and image.get("filename")]
        if not images:
            raise ProviderError("comfyui: the workflow produced no image (does it end in a SaveImage node?)",
                                code="bad_response")
        saved = [image for image in images if image.get("type") == "output"]
        return (saved or images)[0]

    async def _view(self, image: dict[str, Any]) -> bytes:
        params = {"filename": image["filename"], "subfolder": image.get("subfolder") or "",
                  "type": image.get("type") or "output"}
        response = await self._call("GET", f"{self.base_url}/view", expect_json=False, params=params)
        if not response.content:
            raise ProviderError("comfyui: /view answered an empty image", code="bad_response")
        return bytes(response.content)

    async def _cancel(self, watch: _Watch) -> None:
        """Delete a job still queued; interrupt one that runs (ComfyUI runs one job at a time)."""
        if watch.started:
            await self._cancel_remote("POST", f"{self.base_url}/interrupt", json={"prompt_id": watch.prompt_id})
        else:
            await self._cancel_remote("POST", f"{self.base_url}/queue", json={"delete": [watch.prompt_id]})

    def _error(self, response: httpx.Response) -> ProviderError:
        """A refused workflow (400 with ``node_errors``) names the node and what is wrong with it."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 400 and isinstance(body, dict) and body.get("node_errors"):
            return ProviderError(f"comfyui: the workflow was refused: {_node_errors(body)}",
                                 code="invalid_workflow", status=400)
        return error_from_response(response, self.name, secrets=self._secrets)

    # -- for the admin page (issue 15): a cheap call, and what the server offers -----------------

    async def check(self) -> dict[str, Any]:
        """``GET /system_stats``: answers when the server is up."""
        return dict(await self._send("GET", f"{self.base_url}/system_stats", expect_json=True, headers=None))

    async def checkpoints(self) -> list[str]:
        """The checkpoints ``CheckpointLoaderSimple`` can load (``/object_info``)."""
        body = await self._send("GET", f"{self.base_url}/object_info/CheckpointLoaderSimple", expect_json=True,
                                headers=None)
        try:
            names = body["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0]
        except (KeyError, IndexError, TypeError):
            return []
        return [name for name in names if isinstance(name, str)]


class _Watch:
    """What the websocket has told about one job."""

    def __init__(self, prompt_id: str) -> None:
        self.prompt_id = prompt_id
        self.started = False

    def read(self, message: str | bytes, report: ProgressReporter) -> bool:
        """Apply one message; True once the job has ended well; a failure raises."""
        if isinstance(message, bytes):
            return False  # a preview frame
        try:
            event = json.loads(message)
        except ValueError:
            return False
        kind = event.get("type") if isinstance(event, dict) else None
        data = event.get("data") if isinstance(event, dict) and isinstance(event.get("data"), dict) else {}
        if data.get("prompt_id") != self.prompt_id:
            return False  # status broadcasts, other clients' jobs
        if kind in ("execution_start", "execution_cached"):
            self.started = True
            report(Progress("processing", message="Running the workflow"))
        elif kind == "progress":
            self.started = True
            report(_progress(data))
        elif kind == "executing":
            self.started = True
            return data.get("node") is None
        elif kind == "execution_success":
            return True
        elif kind == "execution_error":
            raise ProviderError(f"comfyui: node {data.get('node_id')} ({data.get('node_type')}) failed: "
                                f"{data.get('exception_message') or 'no message'}".rstrip(), code="provider_error")
        elif kind == "execution_interrupted":
            raise ProviderError("comfyui: the job was interrupted on the ComfyUI server", code="interrupted")
        return False


class _Connection:
    """``websockets``' client with the studio's errors: an unreachable server is a ProviderError."""

    def __init__(self, url: str, open_timeout: float) -> None:
        self.url = url
        self.open_timeout = open_timeout
        self._socket: ClientConnection | None = None

    async def __aenter__(self) -> ClientConnection:
        try:
            self._socket = await connect(self.url, open_timeout=self.open_timeout, max_size=MAX_FRAME,
                                         proxy=None, origin=None)
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
            raise ProviderError(f"comfyui: cannot open the websocket at {self.url.split('?')[0]} "
                                f"({type(exc).__name__}: {exc})", retryable=True, code="unreachable") from exc
        return self._socket

    async def __aexit__(self, *exc: object) -> None:
        if self._socket is not None:
            await self._socket.close()


def _workflow(request: GenerationRequest) -> dict[str, Any]:
    try:
        return validate_workflow(request.input_defaults.get("workflow") or request.capabilities.get("workflow"))
    except WorkflowError as exc:
        raise ProviderError(f"comfyui: model {request.model_key}: {exc}", code="invalid_workflow") from exc


def _progress(data: dict[str, Any]) -> Progress:
    value, maximum = data.get("value"), data.get("max")
    if isinstance(value, int | float) and isinstance(maximum, int | float) and maximum > 0:
        return Progress("processing", percent=round(min(max(value / maximum, 0.0), 1.0) * 100, 1),
                        message=f"Step {int(value)}/{int(maximum)}")
    return Progress("processing", message="Generating")


def _node_errors(body: dict[str, Any]) -> str:
    parts = []
    for node_id, problem in body["node_errors"].items():
        errors = problem.get("errors") if isinstance(problem, dict) else None
        texts = [f"{e.get('message', '')}: {e.get('details', '')}".strip(": ") for e in errors or []
                 if isinstance(e, dict)]
        class_type = problem.get("class_type", "?") if isinstance(problem, dict) else "?"
        parts.append(f"node {node_id} ({class_type}): {'; '.join(texts) or 'invalid'}")
    return "; ".join(parts)


def _history_error(status: dict[str, Any]) -> str:
    for message in status.get("messages") or []:
        if isinstance(message, list) and len(message) == 2 and message[0] == "execution_error":
            data = message[1] if isinstance(message[1], dict) else {}
            return f"node {data.get('node_id')} ({data.get('node_type')}): {data.get('exception_message')}"
    return "no message"
