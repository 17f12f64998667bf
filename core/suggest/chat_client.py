"""A small OpenAI-compatible chat client (OpenRouter, OpenAI, Ollama, LM Studio, vLLM, llama.cpp).

Suggestions need one thing from a chat model: text for a list of messages. Every failure -- refused
key, unreachable host, a hang, a 200 that turns into an error half-way through a stream, a body that
is not what the protocol says -- becomes one :class:`SuggestError` whose message can be shown to the
person as is (it never contains the key). Every call is bounded by ``timeout_s``.

Streaming is read as Server-Sent Events properly: ``data:`` lines (one or several per event, ended
by a blank line), ``:`` keep-alive comments skipped, ``data: [DONE]`` ending the answer, and a
``data: {"error": ...}`` event after HTTP 200 raised as an error rather than taken for text.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

import httpx

from core.errors import StudioError

Message = Mapping[str, str]


class SuggestError(StudioError):
    """A suggestion could not be made; ``message`` says why in words a person understands."""

    code = "suggest_failed"

    def __init__(self, message: str) -> None:
        super().__init__(message)


@dataclass(frozen=True)
class ChatConfig:
    """Where and how to ask: the endpoint's base URL (ending in ``/v1`` for most servers), key, model."""

    base_url: str
    api_key: str | None = field(default=None, repr=False)  # optional: local servers take none
    model: str = ""
    timeout_s: float = 60.0
    stream: bool = False  # stream the answer (useful with slow local models behind proxies that cut idle calls)


class ChatClient:
    """One connection pool to one endpoint; use ``async with`` or call :meth:`aclose`."""

    def __init__(self, config: ChatConfig) -> None:
        self.config = config
        headers = {"Content-Type": "application/json"}
        if config.api_key:
            headers["Authorization"] = f"Bearer {config.api_key}"
        timeout = httpx.Timeout(config.timeout_s, connect=min(config.timeout_s, 10.0))
        self._http = httpx.AsyncClient(headers=headers, timeout=timeout, follow_redirects=False)
        self._url = config.base_url.rstrip("/") + "/chat/completions"

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def chat(self, messages: Sequence[Message], *, stream: bool | None = None) -> str:
        """The whole answer, streamed or not (``stream`` defaults to the config), within ``timeout_s``."""
        use_stream = self.config.stream if stream is None else stream
        try:
            async with asyncio.timeout(self.config.timeout_s):
                if not use_stream:
                    return await self.complete(messages)
                parts: list[str] = []
                async with aclosing(self.stream(messages)) as deltas:
                    async for delta in deltas:
                        parts.append(delta)
                return "".join(parts)
        except TimeoutError:
            raise self._timeout_error() from None

    async def complete(self, messages: Sequence[Message]) -> str:
        """A non-streaming call: ``choices[0].message.content``."""
        try:
            response = await self._http.post(self._url, json=self._body(messages, stream=False))
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from None
        if response.status_code >= 400:
            raise self._status_error(response.status_code, response.content)
        return self._content_of(_json_or_error(response.content))

    async def stream(self, messages: Sequence[Message]) -> AsyncIterator[str]:
        """Text deltas as they arrive; raises SuggestError on any failure, including one mid-stream.

        Each read is bounded by the timeout, and the whole stream by a deadline checked between lines,
        so neither a silent server nor one that only sends keep-alives can hold the caller forever.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.timeout_s
        try:
            async with self._http.stream("POST", self._url, json=self._body(messages, stream=True),
                                         headers={"Accept": "text/event-stream"}) as response:
                if response.status_code >= 400:
                    raise self._status_error(response.status_code, await response.aread())
                if "text/event-stream" not in response.headers.get("content-type", ""):
                    # some servers ignore "stream": true and answer with one JSON body; accept that
                    yield self._content_of(_json_or_error(await response.aread()))
                    return
                data: list[str] = []
                finished = False
                async for line in response.aiter_lines():
                    if loop.time() > deadline:
                        raise self._timeout_error()
                    if line.startswith(":"):
                        continue  # a comment: servers send these as keep-alives
                    if line:
                        name, _, value = line.partition(":")
                        if name == "data":
                            data.append(value[1:] if value.startswith(" ") else value)
                        continue  # event:, id:, retry: carry nothing a chat answer needs
                    if not data:
                        continue
                    payload, data = "\n".join(data), []
                    if payload.strip() == "[DONE]":
                        return
                    delta, done = self._delta_of(payload)
                    finished = finished or done
                    if delta:
                        yield delta
                if data:  # a last event without its blank line
                    if "\n".join(data).strip() == "[DONE]":
                        return
                    delta, done = self._delta_of("\n".join(data))
                    finished = finished or done
                    if delta:
                        yield delta
                if not finished:
                    raise SuggestError("The chat stream ended before the answer was complete")
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from None

    def _body(self, messages: Sequence[Message], *, stream: bool) -> dict[str, Any]:
        return {"model": self.config.model, "messages": [dict(m) for m in messages], "stream": stream}

    def _delta_of(self, payload: str) -> tuple[str, bool]:
        """(text, finished) of one stream event; an error event raises."""
        try:
            chunk = json.loads(payload)
        except ValueError:
            raise SuggestError("The chat stream sent an event that is not JSON") from None
        if not isinstance(chunk, dict):
            raise SuggestError("The chat stream sent an event that is not a JSON object")
        if "error" in chunk:
            raise SuggestError(f"The chat model failed mid-answer: {self._redact(_error_text(chunk))}")
        choices = chunk.get("choices") or []  # usage-only chunks have none
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            return "", False
        delta = choices[0].get("delta") or {}
        text = delta.get("content") if isinstance(delta, dict) else None
        return (text if isinstance(text, str) else ""), choices[0].get("finish_reason") is not None

    def _content_of(self, body: Any) -> str:
        if isinstance(body, dict) and "error" in body:
            raise SuggestError(f"The chat model answered with an error: {self._redact(_error_text(body))}")
        try:
            content = body["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise SuggestError("The chat endpoint's answer has no choices[0].message.content") from None
        if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}, ...]
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        if not isinstance(content, str):
            raise SuggestError("The chat model returned no text")
        return content

    def _status_error(self, status: int, body: bytes) -> SuggestError:
        detail = self._redact(_error_text(body))
        if status in (401, 403):
            what = "rejected the API key"
        elif status == 404:
            what = "does not know this URL or model"
        elif status == 429:
            what = "is rate limiting requests"
        elif status >= 500:
            what = "failed"
        else:
            what = "refused the request"
        return SuggestError(f"The chat endpoint {what} (HTTP {status})" + (f": {detail}" if detail else ""))

    def _transport_error(self, exc: httpx.HTTPError) -> SuggestError:
        if isinstance(exc, httpx.TimeoutException):
            return self._timeout_error()
        if isinstance(exc, httpx.ConnectError):
            return SuggestError(f"Could not connect to the chat endpoint at {self.config.base_url}")
        return SuggestError(f"The connection to the chat endpoint failed ({type(exc).__name__})")

    def _timeout_error(self) -> SuggestError:
        return SuggestError(f"The chat model did not answer within {self.config.timeout_s:g} s")

    def _redact(self, text: str) -> str:
        key = self.config.api_key
        return text.replace(key, "***") if key else text


def _json_or_error(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        raise SuggestError("The chat endpoint answered with something that is not JSON") from None


def _error_text(body: bytes | Mapping[str, Any]) -> str:
    """The human part of an error body: ``error.message``, ``error``, ``message``, ``detail``, or the text."""
    if isinstance(body, bytes | bytearray):
        try:
            parsed: Any = json.loads(body)
        except ValueError:
            return body.decode("utf-8", "replace").strip()[:200]
    else:
        parsed = body
    if isinstance(parsed, dict):
        error = parsed.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or error.get("code") or error)[:300]
        for key in ("error", "message", "detail"):
            if parsed.get(key):
                return str(parsed[key])[:300]
    return str(parsed)[:200]
