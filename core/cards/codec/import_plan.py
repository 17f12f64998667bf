"""A parsed card file as a plan: the character's fields, its scenes and the images to store.

Pure work - nothing is stored here, so a card that fails half-way leaves nothing behind. Two paths:

* **A card the studio exported** (``extensions.character_studio`` present and valid): the studio's
  exact values come back from the extension - unless another tool edited a prompt field since (its
  text no longer matches the fingerprint taken at export), in which case the card's text wins for
  that field. Portraits, scenes and the reference come back with their prompts and metadata.
* **Any other card**: the card's fields map onto studio fields (see ``mapping.py``); the PNG's image
  is the primary portrait, ``icon`` assets (``main`` first) become portraits, ``background`` assets
  scene images, and a non-empty ``scenario`` becomes a "Scenario" scene.

Either way, ``emotion`` assets and RisuAI's ``extensions.risuai.emotions`` (``[name, uri]`` pairs)
become the character's expression set (:mod:`core.cards.codec.sprites`): one label per name, a
repeated name's later images its alternatives.

A card value the studio cannot hold (say, 30 alternate greetings where the studio allows 20) is not
cut: the studio field stays empty, the card's value is kept verbatim and exported as it came, and a
warning says so. Everything the studio has no column for goes to ``card_data``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from core.cards.codec.mapping import (
    EXT_FIELDS,
    EXTENSION_FORMAT,
    PROMPT_FIELDS,
    SCENE_EXPORT_FIELDS,
    STORAGE_KEYS,
    STUDIO_EXTENSION,
    digest,
    required_default,
    verbatim_entry,
)
from core.cards.codec.models import DEFAULT_ASSET, IMPORTED_ASSET_TYPES, MAPPED_FIELDS, SPEC_V1, V1_FIELDS, CardDocument
from core.cards.codec.reader import CardFile, is_remote, is_self_contained
from core.cards.codec.sprites import SpritePlan, drop_imported_risu_emotions, plan_sprites
from core.cards.codec.text import compose_profile, parse_examples, split_description
from core.cards.errors import CardError
from core.cards.limits import CardLimits
from core.character_rules import EDITABLE_FIELDS, NAME_MAX, validate_changes
from core.errors import ValidationError
from core.models import Character
from core.scenes import validate_scene

_EMPTY: dict[str, Any] = {"description": "", "alternate_greetings": [], "voice_examples": []}
_ONE_TO_ONE = {"traits": "personality", "first_message": "first_mes", "system_prompt": "system_prompt"}
_MIN_PRIORITY = -1000


@dataclass
class PortraitPlan:
    data: bytes
    label: str
    primary: bool = False
    prompt: str | None = None
    enhanced_prompt: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    restored: bool = False  # from the studio extension: its metadata comes back exactly as exported


@dataclass
class ScenePlan:
    fields: dict[str, Any]
    image: bytes | None = None
    label: str = ""


@dataclass
class ImportPlan:
    fields: dict[str, Any]
    card_data: dict[str, Any]
    portraits: list[PortraitPlan]
    scenes: list[ScenePlan]
    reference: bytes | None = None
    reference_portrait: int | None = None
    warnings: list[str] = field(default_factory=list)
    sprites: list[SpritePlan] = field(default_factory=list)  # the expression set, in label order
    sprite_labels: list[str] = field(default_factory=list)  # every label, with or without an image


@dataclass
class _State:
    file: CardFile
    ext: dict[str, Any] | None
    warnings: list[str]
    used: set[str] = field(default_factory=set)  # asset URIs imported as images
    claimed: set[str] = field(default_factory=set)  # asset URIs the studio extension accounts for
    sprites_imported: bool = False

    @property
    def card(self) -> CardDocument:
        return self.file.card


def plan_import(card_file: CardFile, limits: CardLimits) -> ImportPlan:
    """The rows and images a card becomes; :class:`CardError` for a card the studio cannot take."""
    state = _State(card_file, None, list(card_file.warnings))
    state.ext = _extension(state)
    values = _values(state)
    scenes = _scenes(state)
    portraits, ext_portraits = _portraits(state)
    reference, reference_portrait = _reference(state, portraits, ext_portraits)
    values["scenario"] = scenes[0].fields.get("scene_description") if scenes else None
    sprites, sprite_labels = plan_sprites(card_file, state.ext, state.used, state.claimed, state.warnings)
    state.sprites_imported = bool(sprites)
    images = len(portraits) + sum(1 for scene in scenes if scene.image is not None) + (reference is not None)
    images += sum(len(sprite.images) for sprite in sprites)
    if images > limits.max_image_assets:
        raise CardError(f"The card holds {images} images; at most {limits.max_image_assets} can be imported.",
                        "too_many_assets")
    fields = validate_changes({name: values[name] for name in EDITABLE_FIELDS if name != "is_public"},
                              creating=True)
    values.update(fields)  # verbatim text is kept against the values as stored (trimmed, de-duplicated)
    unused = card_file.unused()
    if unused:
        shown = ", ".join(unused[:5]) + (f" and {len(unused) - 5} more" if len(unused) > 5 else "")
        state.warnings.append(f"{len(unused)} file(s) in the archive are not assets of the card and were not "
                              f"kept: {shown}.")
    return ImportPlan(fields, _card_data(state, values), portraits, scenes, reference, reference_portrait,
                      state.warnings, sprites, sprite_labels)


def _extension(state: _State) -> dict[str, Any] | None:
    """The studio's own extension, with its fields validated; None (and a warning) when unusable."""
    extensions = state.card.data.get("extensions") if state.card.spec != SPEC_V1 else None
    ext = extensions.get(STUDIO_EXTENSION) if isinstance(extensions, dict) else None
    if not isinstance(ext, dict):
        return None
    if ext.get("format") != EXTENSION_FORMAT or not isinstance(ext.get("fields"), dict):
        state.warnings.append("The card's character_studio data is from an unknown format; it was ignored.")
        return None
    try:
        fields = validate_changes({k: v for k, v in ext["fields"].items() if k in EXT_FIELDS})
    except ValidationError as exc:
        state.warnings.append(f"The card's character_studio data is not valid ({exc.message}); it was ignored.")
        return None
    return {**ext, "fields": fields}


def _values(state: _State) -> dict[str, Any]:
    card, ext = state.card, state.ext
    values = {name: Character.model_fields[name].get_default(call_default_factory=True) for name in EDITABLE_FIELDS}
    values["name"] = _name(card)
    for name, key in _ONE_TO_ONE.items():
        values[name] = _card_value(card, key) or None
    values["alternate_greetings"] = _card_value(card, "alternate_greetings")
    description, examples = card.text("description"), card.text("mes_example")
    if ext is None:
        values.update(gender="unspecified", description=description, voice_examples=parse_examples(examples))
    else:
        values.update(ext["fields"])
        exported = ext.get("exported") if isinstance(ext.get("exported"), dict) else {}
        if digest(description) != exported.get("description"):  # edited in another tool: its text wins
            values["description"], values["persona"] = split_description(description,
                                                                         compose_profile(ext["fields"]))
        if digest(examples) != exported.get("mes_example"):
            values["voice_examples"] = parse_examples(examples)
    for card_field, group in PROMPT_FIELDS.items():
        if card_field == "scenario":
            continue
        try:
            validate_changes({name: values[name] for name in group})
        except ValidationError as exc:
            for name in exc.errors:
                values[name] = _EMPTY.get(name)
            state.warnings.append(f"The card's {card_field} does not fit the studio ({exc.message}); it is kept "
                                  "unchanged with the character and exported as it came, but is not editable here.")
    return values


def _name(card: CardDocument) -> str:
    try:
        return str(validate_changes({"name": card.data.get("name")})["name"])
    except ValidationError as exc:
        long = isinstance(card.data.get("name"), str) and len(card.data["name"].strip()) > NAME_MAX
        raise CardError(f"The card's name cannot be used: {exc.errors['name']}.",
                        "field_too_long" if long else "bad_field") from None


def _scenes(state: _State) -> list[ScenePlan]:
    card, ext = state.card, state.ext
    plans: list[ScenePlan] = []
    scenario = card.text("scenario")
    if ext is not None:
        for index, entry in enumerate(e for e in ext.get("scenes") or [] if isinstance(e, dict)):
            fields = {key: entry[key] for key in SCENE_EXPORT_FIELDS if key in entry}
            if isinstance(entry.get("image_url"), str) and is_remote(entry["image_url"]):
                state.warnings.append(f"Scene {index + 1}'s image is a web address; scene images must be stored "
                                      "images, so it was left out.")
            try:
                cleaned = validate_scene({"scene_name": "", **fields})
            except ValidationError as exc:
                state.warnings.append(f"Scene {index + 1} in the card's studio data is not valid ({exc.message}); "
                                      "it was skipped.")
                continue
            state.claimed.add(str(entry.get("image")))
            label = f"image of scene '{cleaned['scene_name']}'"
            plans.append(ScenePlan(cleaned, _image(state, entry.get("image"), label), cleaned["scene_name"]))
        plans.sort(key=lambda plan: -plan.fields.get("priority", 0))
        exported = ext.get("exported") if isinstance(ext.get("exported"), dict) else {}
        if digest(scenario) != exported.get("scenario"):
            _set_scenario(state, plans, scenario)
    else:
        _set_scenario(state, plans, scenario)
    backgrounds = [a for a in card.assets() if a.get("type") == "background" and a.get("uri") not in state.claimed]
    backgrounds.sort(key=lambda asset: asset.get("name") != "main")
    lowest = min((plan.fields.get("priority", 0) for plan in plans), default=0)
    for asset in backgrounds:
        data = _image(state, asset.get("uri"), f"background '{asset.get('name') or ''}'")
        if data is None:
            continue
        if ext is None and plans and plans[0].image is None and len(plans) == 1:
            plans[0].image = data
            continue
        lowest = max(_MIN_PRIORITY, lowest - 1)
        name = asset.get("name") if isinstance(asset.get("name"), str) and asset.get("name") != "main" else ""
        fields = {"scene_name": name.strip()[:100] or f"Background {len(plans) + 1}", "priority": lowest}
        plans.append(ScenePlan(validate_scene(fields), data, fields["scene_name"]))
    return plans


def _set_scenario(state: _State, plans: list[ScenePlan], scenario: str) -> None:
    """Put the card's scenario in the top scene (or a new "Scenario" scene); overflow is kept verbatim."""
    if not scenario and not plans:
        return
    target = plans[0].fields if plans else {"scene_name": "Scenario", "priority": 0}
    try:
        target.update(validate_scene({"scene_description": scenario}))
    except ValidationError as exc:
        state.warnings.append(f"The card's scenario does not fit a studio scene ({exc.message}); it is kept "
                              "unchanged with the character and exported as it came.")
        return
    if not plans:
        plans.append(ScenePlan(target, None, "Scenario"))


def _portraits(state: _State) -> tuple[list[PortraitPlan], dict[int, PortraitPlan]]:
    card, ext, image = state.card, state.ext, state.file.image
    plans: list[PortraitPlan] = []
    by_ext_index: dict[int, PortraitPlan] = {}
    for index, entry in enumerate((ext or {}).get("portraits") or []):
        if not isinstance(entry, dict):
            continue
        state.claimed.add(str(entry.get("image")))
        data = _image(state, entry.get("image"), f"portrait {index + 1}")
        if data is None:
            continue
        meta = entry.get("generation_metadata") if isinstance(entry.get("generation_metadata"), dict) else {}
        plan = PortraitPlan(data, f"portrait {index + 1}", entry.get("primary") is True, _text(entry.get("prompt")),
                            _text(entry.get("enhanced_prompt")),
                            {k: v for k, v in meta.items() if k not in STORAGE_KEYS}, restored=True)
        plans.append(plan)
        by_ext_index[index] = plan
    if image is not None and "ccdefault:" not in state.claimed and not _placeholder(image, ext):
        state.used.add("ccdefault:")
        plans.insert(0, PortraitPlan(image, "card image", not plans, metadata={
            "source": "card_import", "card_asset": dict(DEFAULT_ASSET)}))
    assets = [a for a in card.assets() if a.get("type") == "icon" and a.get("uri") not in state.claimed
              and a.get("uri") != "ccdefault:"]
    assets.sort(key=lambda a: a.get("name") != "main")
    for asset in assets:
        kind, name = asset.get("type"), asset.get("name") if isinstance(asset.get("name"), str) else ""
        data = _image(state, asset.get("uri"), f"{kind} '{name}'")
        if data is None:
            continue
        meta: dict[str, Any] = {"source": "card_import",
                                "card_asset": {key: asset.get(key) for key in ("type", "uri", "name", "ext")}}
        plans.append(PortraitPlan(data, f"{kind} '{name}'", name == "main" and not plans, metadata=meta))
    primary = next((plan for plan in plans if plan.primary), plans[0] if plans else None)
    for plan in plans:
        plan.primary = plan is primary
    return plans, by_ext_index


def _reference(state: _State, portraits: list[PortraitPlan],
               by_ext_index: dict[int, PortraitPlan]) -> tuple[bytes | None, int | None]:
    entry = (state.ext or {}).get("reference")
    if not isinstance(entry, dict):
        return None, None
    index = entry.get("portrait")
    if isinstance(index, int) and not isinstance(index, bool) and index in by_ext_index:
        return None, portraits.index(by_ext_index[index])
    state.claimed.add(str(entry.get("image")))
    return _image(state, entry.get("image"), "reference image"), None


def _image(state: _State, uri: Any, label: str) -> bytes | None:
    """An asset's bytes, or None with a warning saying why it was not imported."""
    if not isinstance(uri, str) or not uri:
        return None
    data = state.file.resolve(uri)
    if data is None:
        if not is_remote(uri) and uri != "ccdefault:":
            state.warnings.append(f"The card's {label} ({uri[:80]}) is not in the file; it was skipped.")
        return None
    state.used.add(uri)
    return data


def _placeholder(image: bytes, ext: dict[str, Any] | None) -> bool:
    """True for the offline renderer's stand-in avatar of a character that had no portrait."""
    avatar = (ext or {}).get("avatar")
    return isinstance(avatar, dict) and avatar.get("placeholder") == hashlib.sha256(image).hexdigest()


def _card_data(state: _State, values: dict[str, Any]) -> dict[str, Any]:
    card = state.card
    data = card.data
    if card.spec == SPEC_V1:
        fields: dict[str, Any] = {}
        top = {key: value for key, value in data.items() if key not in V1_FIELDS}
    else:
        fields = {key: value for key, value in data.items()
                  if key not in MAPPED_FIELDS and not required_default(key, value)}
        top = {key: value for key, value in card.top.items() if key not in ("spec", "spec_version", "data", *V1_FIELDS)}
    raw_extensions = data.get("extensions") if card.spec != SPEC_V1 else None
    extensions = {key: value for key, value in (raw_extensions or {}).items() if key != STUDIO_EXTENSION}
    extensions = drop_imported_risu_emotions(extensions, state.sprites_imported)
    assets: list[dict[str, Any]] = []
    for asset in card.assets():
        uri = asset.get("uri", "")
        if uri in state.used or uri in state.claimed or (asset.get("type") == "icon" and uri == "ccdefault:"
                                                         and asset.get("name") == "main"):
            continue
        if isinstance(uri, str) and is_self_contained(uri):
            assets.append(asset)
        elif asset.get("type") not in IMPORTED_ASSET_TYPES:
            state.warnings.append(f"The card's {asset.get('type')} asset '{asset.get('name')}' is not an image "
                                  "the studio imports; it was left out.")
    verbatim: dict[str, Any] = {}
    for card_field in PROMPT_FIELDS:
        entry = verbatim_entry(card_field, values, _card_value(card, card_field))
        if entry is not None:
            verbatim[card_field] = entry
    result: dict[str, Any] = {"spec": card.spec, "spec_version": card.spec_version, "format": state.file.format,
                              "imported_version": 1}
    for key, value in (("fields", fields), ("extensions", extensions), ("top", top), ("assets", assets),
                       ("verbatim", verbatim)):
        if value:
            result[key] = value
    return result


def _card_value(card: CardDocument, key: str) -> Any:
    """A prompt field as the card has it; a V1 card has no system prompt or alternate greetings (such
    top-level keys are kept with the other unknown ones, not read)."""
    if key == "alternate_greetings":
        return list(card.data.get(key) or []) if card.spec != SPEC_V1 else []
    if key == "system_prompt" and card.spec == SPEC_V1:
        return ""
    return card.text(key)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
