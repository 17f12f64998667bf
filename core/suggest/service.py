"""AI suggest: one entry point for every field, through a chat model or offline.

The caller (the API route, the studio page) decides where suggestions come from: a :class:`ChatConfig`
asks an OpenAI-compatible model, ``None`` uses the offline suggester. A model's answer is asked for as
JSON, parsed forgivingly (code fences, a reasoning preamble) and then validated strictly against the
character rules, because a suggestion the form would refuse is worse than a clear error. A failing
model raises :class:`SuggestError`; it is never silently replaced by offline text unless the caller
asks with ``fallback_offline=True``, and then the result says ``source="offline"`` and why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from core.character_rules import DESCRIPTION_MAX_FORM, LONG_TEXT_MAX, clean_tags
from core.suggest.chat_client import ChatClient, ChatConfig, SuggestError
from core.suggest.offline import (
    APPEARANCE_SUGGEST_MAX,
    CLOTHING_SUGGEST_MAX,
    FIELD_KEYS,
    SUGGEST_FIELDS,
    fit_text,
    offline_values,
    regroup_tags,
)

ALL_FIELDS = (*SUGGEST_FIELDS, "all")
PROMPT_TEXT_MAX = 1_500  # long fields are cut in the prompt only, to keep requests small for local models
FIRST_MESSAGE_MAX = 2_000

_SYSTEM = (
    "You are a creative writing assistant in a character studio where people design roleplay and companion "
    "characters. You improve one character at a time, staying consistent with what the person already wrote. "
    "Reply with one JSON object and nothing else: no prose before or after it, no markdown."
)
_TASKS: dict[str, tuple[str, str]] = {  # field -> (instruction, JSON shape)
    "description": ("Write a vivid third-person description of the character in 2 to 4 sentences, "
                    "between 50 and 450 characters.", '"description": "..."'),
    "appearance": (f"Suggest portrait tags: up to {APPEARANCE_SUGGEST_MAX} physical appearance tags (hair, eyes, "
                   f"face, skin, body) and up to {CLOTHING_SUGGEST_MAX} outfit tags (clothing, accessories, "
                   "footwear). Each tag is 1 to 4 lowercase words. Keep existing tags that fit.",
                   '"appearance_tags": ["..."], "clothing_tags": ["..."]'),
    "persona": ("Write the persona a chat model will play: personality, background, way of speaking, likes and "
                "dislikes, in 3 to 8 sentences.", '"persona": "..."'),
    "traits": ("List 4 to 7 personality traits, each a word or a short phrase.", '"traits": ["...", "..."]'),
    "first_message": ("Write the character's opening message in a roleplay: an action in *asterisks* and a line of "
                      "speech, fitting the mood and voice tone, under 600 characters.", '"first_message": "..."'),
}
_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class SuggestResult:
    """Suggested values keyed by character field; ``source`` says who made them, ``note`` anything to tell."""

    values: dict[str, Any]
    source: Literal["offline", "model"]
    note: str | None = None


async def suggest(character: Mapping[str, Any], field: str, *, chat: ChatConfig | None,
                  fallback_offline: bool = False, variant: int = 0) -> SuggestResult:
    """Suggestions for ``field`` (one of SUGGEST_FIELDS or "all") of ``character`` (a dict of its fields);
    ``variant`` > 0 asks for another suggestion than the first ("Try again")."""
    if field not in ALL_FIELDS:
        raise ValueError(f"Unknown suggestion field '{field}' (expected one of: {', '.join(ALL_FIELDS)})")
    if chat is None:
        return SuggestResult(offline_values(character, field, variant=variant), "offline")
    try:
        values, missing = await _model_values(character, field, chat, variant)
    except SuggestError as exc:
        if not fallback_offline:
            raise
        return SuggestResult(offline_values(character, field, variant=variant), "offline",
                             note=f"The chat model could not help ({exc.message}); these are offline suggestions.")
    note = f"The model did not suggest: {', '.join(missing)}" if missing else None
    return SuggestResult(values, "model", note=note)


def build_messages(character: Mapping[str, Any], field: str, variant: int = 0) -> list[dict[str, str]]:
    """The chat messages for one field (or "all"): the character as it stands, the task, the JSON shape;
    another ``variant`` asks for something new, as the person did not take the last suggestion."""
    fields = SUGGEST_FIELDS if field == "all" else (field,)
    tasks = "\n".join(f"- {_TASKS[f][0]}" for f in fields)
    shape = "{" + ", ".join(_TASKS[f][1] for f in fields) + "}"
    safety = "Keep everything safe for work.\n" if character.get("content_rating") == "sfw" else ""
    again = "Offer a fresh take, different from your previous suggestion.\n" if variant else ""
    user = (f"The character so far:\n{_describe(character)}\n\nTask:\n{tasks}\n{safety}{again}"
            f"Answer with JSON of exactly this shape: {shape}")
    return [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": user}]


def parse_json_object(text: str) -> dict[str, Any]:
    """The JSON object in a model's answer, tolerating code fences, <think> blocks and prose around it."""
    text = _THINK.sub("", text).strip()
    candidates = [m.group(1).strip() for m in _FENCE.finditer(text)] + [text]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start:end + 1])
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    raise SuggestError("The chat model's answer was not the JSON object it was asked for")


async def _model_values(character: Mapping[str, Any], field: str, chat: ChatConfig,
                        variant: int = 0) -> tuple[dict[str, Any], list[str]]:
    async with ChatClient(chat) as client:
        answer = await client.chat(build_messages(character, field, variant))
    data = parse_json_object(answer)
    fields = SUGGEST_FIELDS if field == "all" else (field,)
    values: dict[str, Any] = {}
    missing: list[str] = []
    problems: list[str] = []
    for name in fields:
        try:
            values.update(_validate(name, data))
        except SuggestError as exc:
            missing.append(name)
            problems.append(exc.message)
    if not values:
        raise SuggestError("; ".join(problems))
    return values, missing


def _validate(field: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """One field's values from the parsed answer, checked against the character rules, or SuggestError."""
    if field == "appearance":
        return _validate_tags(data)
    value = data.get(field)
    if field == "traits" and isinstance(value, list):
        value = ", ".join(str(v).strip() for v in value if isinstance(v, str | int | float) and str(v).strip())
    if not isinstance(value, str) or not value.strip():
        raise SuggestError(f"The chat model's answer has no usable '{field}'")
    value = value.strip()
    limit = {"description": DESCRIPTION_MAX_FORM, "first_message": FIRST_MESSAGE_MAX}.get(field, LONG_TEXT_MAX)
    if len(value) > limit:
        if field != "description":
            raise SuggestError(f"The chat model's {field.replace('_', ' ')} is longer than {limit} characters")
        value = fit_text(value, limit)  # a slightly long description is cut at a sentence, not refused
    return {FIELD_KEYS[field][0]: value}


def _validate_tags(data: Mapping[str, Any]) -> dict[str, Any]:
    def tags(key: str) -> list[str]:
        raw = data.get(key)
        if isinstance(raw, str):
            raw = raw.split(",")
        return [t for t in raw if isinstance(t, str)] if isinstance(raw, list) else []

    # over-long, blank and repeated tags are dropped and the lists capped: a verbose model is not an error
    physical, clothing = regroup_tags(tags("appearance_tags") + tags("tags"), tags("clothing_tags"),
                                      limits=(APPEARANCE_SUGGEST_MAX, CLOTHING_SUGGEST_MAX))
    if not physical and not clothing:
        raise SuggestError("The chat model's answer has no usable appearance or clothing tags")
    return {"appearance_tags": clean_tags(physical), "clothing_tags": clean_tags(clothing)}


def _describe(character: Mapping[str, Any]) -> str:
    def text(key: str) -> str:
        value = str(character.get(key) or "").strip()
        return value if len(value) <= PROMPT_TEXT_MAX else value[:PROMPT_TEXT_MAX] + " …"

    def tag_list(key: str) -> str:
        value = character.get(key) or []
        return ", ".join(t for t in value if isinstance(t, str)) if isinstance(value, list | tuple) else ""

    rows = [
        ("Name", text("name")), ("Gender", text("gender")), ("Mood", text("mood")),
        ("Voice tone", text("voice_tone")), ("Description", text("description")),
        ("Physical appearance tags", tag_list("appearance_tags")), ("Outfit tags", tag_list("clothing_tags")),
        ("Personality traits", text("traits")), ("Persona", text("persona")),
        ("First message", text("first_message")),
    ]
    return "\n".join(f"{label}: {value or '(not set)'}" for label, value in rows)
