"""AI suggest: the offline suggester, tag categorization, and the chat client against a real loopback server.

The server is a Starlette app served by uvicorn in a background thread on a free 127.0.0.1 port; each
scenario is a base URL (``/s/<scenario>/v1``) and tests set the text the "model" answers. Waits are on
events (server started, hang released), never sleeps.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from core.character_rules import validate_changes
from core.suggest import (
    SUGGEST_FIELDS,
    ChatClient,
    ChatConfig,
    SuggestError,
    categorize_tag,
    categorize_tags,
    offline_values,
    suggest,
)
from core.suggest.offline import near_duplicate

MIRA = {
    "name": "Mira", "gender": "female", "mood": "flirty", "voice_tone": "teasing", "content_rating": "sfw",
    "description": "A barista with long red hair and green eyes who collects old maps and older secrets.",
    "appearance_tags": ["freckles", "red dress"], "clothing_tags": ["pale skin"], "traits": "bookish, sarcastic",
}
MESSAGES = [{"role": "user", "content": "Say hello"}]


@dataclass
class FakeModel:
    """What the loopback server answers and what it received."""

    answers: dict[str, str] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)
    loop: asyncio.AbstractEventLoop | None = None
    release: asyncio.Event | None = None  # the "hang" scenarios wait on it; set at teardown


def completion(text: str) -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion", "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]}


def chunk(text: str | None = None, finish: str | None = None) -> str:
    delta = {"content": text} if text is not None else {"role": "assistant"}
    body = {"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta,
                                                                        "finish_reason": finish}]}
    return f"data: {json.dumps(body)}\n\n"


def build_app(model: FakeModel) -> Starlette:
    async def completions(request: Request) -> Response:
        scenario = request.path_params["scenario"]
        body = await request.json()
        model.received.append({"scenario": scenario, "headers": dict(request.headers), "body": body})
        text = model.answers.get(scenario, "Hello there, traveller")
        if scenario == "unauthorized":
            return JSONResponse({"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}, 401)
        if scenario == "not-json":
            return Response("<html>Bad gateway</html>", media_type="text/html")
        if scenario == "hang":
            assert model.release is not None
            await model.release.wait()
        if not body.get("stream"):
            return JSONResponse(completion(text))

        async def events() -> AsyncIterator[str]:
            yield ": OPENROUTER PROCESSING\n\n"
            yield chunk()
            if scenario == "hang":
                yield chunk(text[:5])
                assert model.release is not None
                await model.release.wait()
            if scenario == "midstream-error":
                yield chunk("Hel")
                yield 'data: {"error": {"message": "Upstream provider overloaded", "code": 502}}\n\n'
                return
            if scenario == "multiline":  # one event whose JSON spans several data: lines
                lines = json.dumps(json.loads(chunk(text, "stop")[6:]), indent=1).split("\n")
                yield "".join(f"data: {line}\n" for line in lines) + "\n"
                yield "data: [DONE]\n\n"
                return
            for i in range(0, len(text), 7):
                yield chunk(text[i:i + 7])
                yield ": keep-alive\n\n"
                yield "\n"
            if scenario == "truncated":
                return
            yield chunk(finish="stop")
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return Starlette(routes=[Route("/s/{scenario}/v1/chat/completions", completions, methods=["POST"])])


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, ready: threading.Event, model: FakeModel) -> None:
        super().__init__(config)
        self.ready, self.model = ready, model

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self.model.loop, self.model.release = asyncio.get_running_loop(), asyncio.Event()
        await super().startup(sockets=sockets)
        self.ready.set()


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, FakeModel]]:
    model = FakeModel()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    ready = threading.Event()
    srv = _Server(uvicorn.Config(build_app(model), log_level="warning", lifespan="off"), ready, model)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    assert ready.wait(10), "the loopback server did not start"
    yield f"http://127.0.0.1:{port}", model
    assert model.loop is not None and model.release is not None
    model.loop.call_soon_threadsafe(model.release.set)
    srv.should_exit = True
    thread.join(10)
    sock.close()


def config(server: tuple[str, FakeModel], scenario: str, **kw: Any) -> ChatConfig:
    return ChatConfig(base_url=f"{server[0]}/s/{scenario}/v1", api_key=kw.pop("api_key", "sk-test"),
                      model="test-model", timeout_s=kw.pop("timeout_s", 5.0), **kw)


# --- categorization ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("tag", "expected"), [
    ("long red hair", "physical"), ("green eyes", "physical"), ("freckles", "physical"), ("tall", "physical"),
    ("pale skin", "physical"), ("sleeve tattoo", "physical"), ("red-haired", "physical"),
    ("red dress", "clothing"), ("leather boots", "clothing"), ("round glasses", "physical"),
    ("silver necklace", "clothing"), ("hair ribbon", "clothing"), ("short skirt", "clothing"),
    ("knee-high socks", "clothing"), ("Dresses", "clothing"), ("mysterious aura", None),
])
def test_categorize_tag_by_head_noun(tag: str, expected: str | None) -> None:
    assert categorize_tag(tag) == expected


def test_categorize_tags_splits_and_defaults_unknown_to_physical() -> None:
    assert categorize_tags(["black jacket", "blue eyes", "glowing aura", "boots"]) == (
        ["blue eyes", "glowing aura"], ["black jacket", "boots"])


# --- offline -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("field_name", [*SUGGEST_FIELDS, "all"])
async def test_offline_suggests_every_field_within_the_rules(field_name: str) -> None:
    result = await suggest(MIRA, field_name, chat=None)
    assert result.source == "offline" and result.note is None
    expected = {"description": ["description"], "appearance": ["appearance_tags", "clothing_tags"],
                "persona": ["persona"], "traits": ["traits"], "first_message": ["first_message"]}
    keys = sum(expected.values(), []) if field_name == "all" else expected[field_name]
    assert sorted(result.values) == sorted(keys)
    assert validate_changes(dict(result.values), strict_description="description" in keys) == result.values


async def test_offline_is_deterministic_and_follows_the_character() -> None:
    first = await suggest(MIRA, "all", chat=None)
    assert (await suggest(dict(MIRA), "all", chat=None)).values == first.values
    assert (await suggest({**MIRA, "name": "Kai", "gender": "male"}, "all", chat=None)).values != first.values
    assert first.values == {k: v for f in SUGGEST_FIELDS for k, v in offline_values(MIRA, f).items()}
    assert first.values["description"].startswith("Mira is")
    assert "Mira" in first.values["first_message"] and "her" in first.values["first_message"]


def test_offline_appearance_keeps_own_tags_regroups_them_and_reads_the_description() -> None:
    values = offline_values(MIRA, "appearance")
    physical, clothing = values["appearance_tags"], values["clothing_tags"]
    assert physical[:2] == ["freckles", "pale skin"]  # "pale skin" moved out of the outfit list
    assert clothing[0] == "red dress"  # and "red dress" out of the physical one
    assert "long red hair" in physical and "green eyes" in physical  # stated by the description
    assert len(physical) <= 8 and len(clothing) <= 4
    assert all(categorize_tag(t) != "clothing" for t in physical)
    assert all(categorize_tag(t) == "clothing" for t in clothing)


def test_offline_traits_keep_the_persons_own() -> None:
    traits = offline_values(MIRA, "traits")["traits"].split(", ")
    assert traits[:2] == ["bookish", "sarcastic"] and len(traits) == 5


def test_offline_works_for_an_empty_character() -> None:
    values = offline_values({}, "all")
    assert values["description"].startswith("They are")  # never "This character is ..."
    assert all("This character" not in str(value) for value in values.values())
    assert validate_changes(values, strict_description=True) == values


def test_offline_uses_the_name_and_says_nothing_twice_in_description_and_persona() -> None:
    values = offline_values(MIRA, "all")
    assert values["description"].startswith("Mira is") and values["persona"].startswith("Mira is")
    sentences = lambda text: {part.strip() for part in re.split(r"[.\n]", text) if len(part.strip()) > 12}  # noqa: E731
    assert sentences(values["description"]) & sentences(values["persona"]) == set()
    assert MIRA["description"].split(".")[0] not in values["persona"]  # no copy of the person's own text


def test_suggested_tags_never_near_duplicate_the_characters_own() -> None:
    tags = offline_values({**MIRA, "appearance_tags": ["messy chestnut hair", "round glasses"],
                           "clothing_tags": []}, "appearance")
    physical, clothing = tags["appearance_tags"], tags["clothing_tags"]
    assert "round glasses" in physical and all("glasses" not in t for t in clothing)
    assert [t for t in physical if t.endswith("hair")] == ["messy chestnut hair"]
    assert near_duplicate("chestnut hair", ["messy chestnut hair"]) and near_duplicate("hazel eyes", ["green eyes"])
    assert not near_duplicate("freckles", ["messy chestnut hair"])


async def test_unknown_field_is_a_clear_value_error(server: tuple[str, FakeModel]) -> None:
    for chat in (None, config(server, "plain")):
        with pytest.raises(ValueError, match="Unknown suggestion field 'mood'.*description, appearance"):
            await suggest(MIRA, "mood", chat=chat)


# --- chat client over loopback HTTP --------------------------------------------------------------------

async def test_non_streaming_reads_message_content_and_sends_the_protocol(server: tuple[str, FakeModel]) -> None:
    async with ChatClient(config(server, "plain")) as client:
        assert await client.chat(MESSAGES) == "Hello there, traveller"
    request = server[1].received[-1]
    assert request["body"] == {"model": "test-model", "messages": MESSAGES, "stream": False}
    assert request["headers"]["authorization"] == "Bearer sk-test"


async def test_no_key_sends_no_authorization_header(server: tuple[str, FakeModel]) -> None:
    async with ChatClient(config(server, "plain", api_key=None)) as client:
        await client.chat(MESSAGES)
    assert "authorization" not in server[1].received[-1]["headers"]


async def test_streaming_skips_keep_alives_and_joins_deltas(server: tuple[str, FakeModel]) -> None:
    server[1].answers["stream"] = "A long enough answer to arrive in several chunks."
    async with ChatClient(config(server, "stream")) as client:
        deltas = [d async for d in client.stream(MESSAGES)]
        assert len(deltas) > 3
        assert "".join(deltas) == server[1].answers["stream"]
        assert await client.chat(MESSAGES, stream=True) == server[1].answers["stream"]
    assert server[1].received[-1]["body"]["stream"] is True


async def test_streaming_joins_multi_line_data_events(server: tuple[str, FakeModel]) -> None:
    server[1].answers["multiline"] = "split over lines"
    async with ChatClient(config(server, "multiline", stream=True)) as client:
        assert await client.chat(MESSAGES) == "split over lines"


async def test_error_mid_stream_after_http_200_is_raised(server: tuple[str, FakeModel]) -> None:
    async with ChatClient(config(server, "midstream-error")) as client:
        received: list[str] = []
        with pytest.raises(SuggestError, match="failed mid-answer: Upstream provider overloaded"):
            async for delta in client.stream(MESSAGES):
                received.append(delta)
    assert received == ["Hel"]


async def test_stream_ending_without_done_is_an_error(server: tuple[str, FakeModel]) -> None:
    async with ChatClient(config(server, "truncated", stream=True)) as client:
        with pytest.raises(SuggestError, match="ended before the answer was complete"):
            await client.chat(MESSAGES)


async def test_http_401_is_a_clear_error_without_the_key(server: tuple[str, FakeModel]) -> None:
    for stream in (False, True):
        async with ChatClient(config(server, "unauthorized", api_key="sk-secret-123")) as client:
            with pytest.raises(SuggestError) as caught:
                await client.chat(MESSAGES, stream=stream)
        assert "rejected the API key (HTTP 401): Incorrect API key provided" in caught.value.message
        assert "sk-secret-123" not in caught.value.message


async def test_a_body_that_is_not_json_is_a_clear_error(server: tuple[str, FakeModel]) -> None:
    async with ChatClient(config(server, "not-json")) as client:
        with pytest.raises(SuggestError, match="not JSON"):
            await client.chat(MESSAGES)


@pytest.mark.parametrize("stream", [False, True])
async def test_a_hang_times_out(server: tuple[str, FakeModel], stream: bool) -> None:
    async with ChatClient(config(server, "hang", timeout_s=0.5, stream=stream)) as client:
        started = asyncio.get_running_loop().time()
        with pytest.raises(SuggestError, match=r"did not answer within 0.5 s"):
            await client.chat(MESSAGES)
    assert asyncio.get_running_loop().time() - started < 2.0


async def test_an_unreachable_endpoint_is_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        chat = ChatConfig(base_url=f"http://127.0.0.1:{port}/v1", model="m", timeout_s=2.0)
        with pytest.raises(SuggestError, match="Could not connect to the chat endpoint"):
            await suggest(MIRA, "traits", chat=chat)


# --- suggest through a model ------------------------------------------------------------------------

async def test_model_appearance_is_parsed_from_fences_and_categorized(server: tuple[str, FakeModel]) -> None:
    answer = {"appearance_tags": ["long silver hair", "violet eyes", "black choker", "x" * 60],
              "clothing_tags": ["freckles", "leather jacket", "leather jacket"]}
    server[1].answers["model"] = f"<think>tags, tags</think>Sure!\n```json\n{json.dumps(answer)}\n```"
    result = await suggest(MIRA, "appearance", chat=config(server, "model"))
    assert result.source == "model" and result.note is None
    assert result.values == {"appearance_tags": ["long silver hair", "violet eyes", "freckles"],
                             "clothing_tags": ["black choker", "leather jacket"]}
    prompt = server[1].received[-1]["body"]["messages"]
    assert prompt[0]["role"] == "system" and "JSON" in prompt[0]["content"]
    assert "Mira" in prompt[1]["content"] and '"appearance_tags"' in prompt[1]["content"]
    assert "safe for work" in prompt[1]["content"]


async def test_model_all_streamed_with_a_missing_field_is_noted(server: tuple[str, FakeModel]) -> None:
    answer = {"description": "Mira pours coffee like a spell and reads maps like letters from old friends.",
              "appearance_tags": ["red hair"], "clothing_tags": ["apron"], "persona": "Mira is wry and warm.",
              "traits": ["bookish", "wry", 3]}
    server[1].answers["all"] = json.dumps(answer)
    result = await suggest(MIRA, "all", chat=config(server, "all", stream=True))
    assert result.source == "model"
    assert result.values["traits"] == "bookish, wry, 3"
    assert result.values["description"] == answer["description"]
    assert "first_message" not in result.values and result.note == "The model did not suggest: first_message"


async def test_model_garbage_is_a_suggest_error_unless_fallback_is_asked(server: tuple[str, FakeModel]) -> None:
    server[1].answers["garbage"] = "I'm sorry, I can't help with that."
    with pytest.raises(SuggestError, match="not the JSON object"):
        await suggest(MIRA, "persona", chat=config(server, "garbage"))
    server[1].answers["wrong-shape"] = '{"persona": 42}'
    with pytest.raises(SuggestError, match="no usable 'persona'"):
        await suggest(MIRA, "persona", chat=config(server, "wrong-shape"))
    fallback = await suggest(MIRA, "persona", chat=config(server, "garbage"), fallback_offline=True)
    assert fallback.source == "offline" and fallback.values == offline_values(MIRA, "persona")
    assert fallback.note is not None and "not the JSON object" in fallback.note


async def test_model_error_falls_back_only_when_asked(server: tuple[str, FakeModel]) -> None:
    with pytest.raises(SuggestError, match="HTTP 401"):
        await suggest(MIRA, "traits", chat=config(server, "unauthorized"))
    result = await suggest(MIRA, "traits", chat=config(server, "unauthorized"), fallback_offline=True)
    assert result.source == "offline" and "HTTP 401" in (result.note or "")
