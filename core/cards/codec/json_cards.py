"""Cards as JSON text: strict decoding of untrusted bytes, and the encodings the writers use.

Decoding accepts UTF-8 with or without a BOM and refuses what PostgreSQL's JSON and a careful reader
would: ``NaN``/``Infinity``, nesting beyond the limit, huge strings, NUL characters. Encoding keeps
non-ASCII text as it is (``ensure_ascii=False``) so a card stays readable and small.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from core.cards.codec.models import CardDocument, parse_card_object
from core.cards.errors import CardError
from core.cards.limits import CardLimits, check_tree


def looks_like_json(raw: bytes) -> bool:
    """True when the first non-blank byte (after a UTF-8 BOM) opens an object or a list."""
    head = raw[:4096].removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    return head[:1] in (b"{", b"[")


def loads(raw: bytes, limits: CardLimits, what: str = "The file") -> Any:
    """Parse JSON bytes with the card limits; :class:`CardError` says what is wrong and where."""
    if len(raw) > limits.max_json_bytes:
        raise CardError(f"{what} holds {len(raw):,} bytes of JSON; the limit is {limits.max_json_bytes:,}.",
                        "too_large")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CardError(f"{what} is not UTF-8 text (bad byte at offset {exc.start}).", "bad_json") from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise CardError(f"{what} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
                        "bad_json") from None
    except (ValueError, RecursionError) as exc:
        raise CardError(f"{what} is not valid JSON: {exc}.", "bad_json") from None
    check_tree(value, limits)
    return value


def decode_card(raw: bytes, limits: CardLimits, what: str = "The file") -> CardDocument:
    """A card document from JSON bytes (V1, V2 or V3)."""
    return parse_card_object(loads(raw, limits, what))


def dumps(card: dict[str, Any], *, pretty: bool = False) -> bytes:
    """UTF-8 JSON: compact inside PNG chunks and CHARX, indented for a ``.json`` download.

    orjson writes the same text as ``json.dumps(ensure_ascii=False)`` several times faster; the
    standard module takes over for what orjson refuses (integers beyond 64 bits, which a card read
    by Python's own parser may hold).
    """
    try:
        return orjson.dumps(card, option=orjson.OPT_INDENT_2 if pretty else 0)
    except (orjson.JSONEncodeError, TypeError):
        if pretty:
            return json.dumps(card, ensure_ascii=False, indent=2).encode()
        return json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode()


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")
