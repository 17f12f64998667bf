"""Typed models of Character Card V1, V2 and V3 and their lorebook, and the spec detection.

The models follow the public specs (malfoyslastname/character-card-spec-v2 ``spec_v1.md`` and
``spec_v2.md``, kwaroran/character-card-spec-v3 ``SPEC_V3.md``). They validate *types*, strictly (a
number where text belongs is an error, never coerced), and allow extra keys, because the specs ask
editors to keep what they do not know. They are used to check a card and to document its shape; the
values the studio keeps are always the raw parsed JSON, so nothing is normalised on the way through.

A type error in a field the studio maps to a column (name, description, greetings, assets, ...) makes
the card unusable and is an error; one in a field the studio only keeps (tags, lorebook entries, ...)
is a warning, and the field is kept as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticError

from core.cards.errors import CardError

SPEC_V1, SPEC_V2, SPEC_V3 = "chara_card_v1", "chara_card_v2", "chara_card_v3"
V1_FIELDS = ("name", "description", "personality", "scenario", "first_mes", "mes_example")
#: ``data`` keys the studio maps to its own columns (everything else is kept verbatim).
MAPPED_FIELDS = (*V1_FIELDS, "system_prompt", "alternate_greetings", "extensions", "assets")
IMPORTED_ASSET_TYPES = ("icon", "background", "emotion")
DEFAULT_ASSET = {"type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png"}

Text = str | None
Number = int | float


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class LorebookEntry(_Model):
    keys: list[str]
    content: str
    extensions: dict[str, Any] = {}
    enabled: bool = True
    insertion_order: Number = 0
    case_sensitive: bool | None = None
    use_regex: bool = False  # V3 addition
    constant: bool | None = None
    name: Text = None
    priority: Number | None = None
    id: Number | str | None = None
    comment: Text = None
    selective: bool | None = None
    secondary_keys: list[str] | None = None
    position: str | None = None  # 'before_char' | 'after_char'


class Lorebook(_Model):
    """``character_book``: a character-specific lorebook (world info)."""

    name: Text = None
    description: Text = None
    scan_depth: Number | None = None
    token_budget: Number | None = None
    recursive_scanning: bool | None = None
    extensions: dict[str, Any] = {}
    entries: list[LorebookEntry]


class Asset(_Model):
    """A V3 asset: ``icon`` (``main`` is the avatar), ``background``, ``emotion``, ``user_icon``, ``x_*``."""

    type: str
    uri: str
    name: str = ""
    ext: str = ""


class CardV1(_Model):
    """V1 (TavernCardV1): six flat fields. Also the shape of the top level of most V2/V3 files."""

    name: str
    description: Text = None
    personality: Text = None
    scenario: Text = None
    first_mes: Text = None
    mes_example: Text = None


class CardDataV2(CardV1):
    creator_notes: Text = None
    system_prompt: Text = None
    post_history_instructions: Text = None
    alternate_greetings: list[str] | None = None
    character_book: dict[str, Any] | None = None  # checked against Lorebook separately (kept verbatim)
    tags: list[str] | None = None
    creator: Text = None
    character_version: Text = None
    extensions: dict[str, Any] | None = None


class CardDataV3(CardDataV2):
    assets: list[Asset] | None = None
    nickname: Text = None
    creator_notes_multilingual: dict[str, str] | None = None
    source: list[str] | None = None
    group_only_greetings: list[str] | None = None  # required by the spec; tolerated when missing
    creation_date: Number | None = None  # unix seconds
    modification_date: Number | None = None


class CardV2(_Model):
    spec: Literal["chara_card_v2"]
    spec_version: str = "2.0"
    data: CardDataV2


class CardV3(_Model):
    spec: Literal["chara_card_v3"]
    spec_version: str = "3.0"
    data: CardDataV3


@dataclass
class CardDocument:
    """A parsed card: which spec, its raw ``data`` object, its raw top level, what was odd about it."""

    spec: str
    spec_version: str
    data: dict[str, Any]
    top: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    def text(self, key: str) -> str:
        value = self.data.get(key)
        return value if isinstance(value, str) else ""

    def assets(self) -> list[dict[str, Any]]:
        """The card's assets; a V3 card without ``assets`` has one ``ccdefault:`` main icon (spec).

        A V2 card carrying V3 ``assets`` (the ``chara`` copy of a card written as both) keeps them too.
        """
        assets = self.data.get("assets")
        if isinstance(assets, list):
            return [dict(a) for a in assets
                    if isinstance(a, dict) and isinstance(a.get("type"), str) and isinstance(a.get("uri"), str)]
        return [dict(DEFAULT_ASSET)] if self.spec == SPEC_V3 else []

    def lorebook(self) -> Lorebook | None:
        book = self.data.get("character_book")
        try:
            return Lorebook.model_validate(book) if isinstance(book, dict) else None
        except PydanticError:
            return None


def parse_card_object(obj: Any) -> CardDocument:
    """Detect the spec of parsed JSON and check its types; :class:`CardError` if it is not a card."""
    if not isinstance(obj, dict):
        raise CardError(f"The JSON holds {_kind(obj)}, not a character card.", "not_a_card")
    spec = obj.get("spec")
    if spec in (SPEC_V2, SPEC_V3):
        data = obj.get("data")
        if not isinstance(data, dict):
            raise CardError(f"The card says it is {spec} but has no 'data' object.", "not_a_card")
        document = CardDocument(spec, str(obj.get("spec_version") or ("3.0" if spec == SPEC_V3 else "2.0")),
                                data, obj)
    elif spec is None and isinstance(obj.get("data"), dict) and "name" in obj["data"]:
        document = CardDocument(SPEC_V2, "2.0", obj["data"], obj,
                                ["The card has no 'spec'; it was read as Character Card V2."])
    elif spec is None and any(key in obj for key in V1_FIELDS):
        document = CardDocument(SPEC_V1, "1.0", obj, obj)
    elif isinstance(spec, str) and spec.startswith("lorebook"):
        raise CardError("This file is a lorebook, not a character card.", "not_a_card")
    elif spec is not None:
        raise CardError(f"Unknown card spec {str(spec)[:40]!r}; expected chara_card_v2 or chara_card_v3.",
                        "not_a_card")
    else:
        raise CardError("The JSON is not a character card: it has none of the card fields "
                        "(name, description, first_mes, ...).", "not_a_card")
    _check_types(document)
    return document


def _check_types(document: CardDocument) -> None:
    name = document.data.get("name")
    if name is None or (isinstance(name, str) and not name.strip()):
        raise CardError("The card has no name.", "missing_name")
    model = {SPEC_V1: CardV1, SPEC_V2: CardDataV2, SPEC_V3: CardDataV3}[document.spec]
    try:
        model.model_validate(document.data)
    except PydanticError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            top = str(error["loc"][0]) if error["loc"] else ""
            message = f"data.{where}: {error['msg']}"
            if top in MAPPED_FIELDS:
                raise CardError(f"The card's field {message}.", "bad_field") from None
            document.warnings.append(f"The card's field {message}; it is kept unchanged.")
    book = document.data.get("character_book")
    if book is not None:
        try:
            Lorebook.model_validate(book)
        except PydanticError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            document.warnings.append(f"The lorebook does not follow the spec ({where}: {first['msg']}); "
                                     "it is kept unchanged.")
    if document.spec == SPEC_V3 and _newer(document.spec_version):
        document.warnings.append(f"The card was written for spec version {document.spec_version}, newer than "
                                 "3.0; fields this studio does not know are kept unchanged.")


def _newer(version: str) -> bool:
    try:
        return float(version) > 3.0
    except ValueError:
        return False


def _kind(obj: Any) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number", bool: "a boolean"}.get(
        type(obj), "nothing usable")
