"""A studio character as a Character Card V3 (the import direction is in ``import_plan.py``).

Which card field comes from which studio field (the README has the table):

* ``name``, ``first_mes``, ``alternate_greetings``, ``system_prompt`` - the same-named studio fields;
* ``personality`` - traits; ``mes_example`` - voice examples as ``<START>`` blocks;
* ``scenario`` - the description of the highest-priority scene;
* ``description`` - the description, then ``## Persona`` and ``## Profile`` sections (see ``text.py``)
  so everything that shapes how the character plays reaches the prompt in any frontend;
* ``extensions.character_studio`` - the studio's exact values (fields, scenes, portraits' prompts and
  metadata, which asset is which), so studio -> card -> studio restores everything;
* everything else the card had (creator, tags, lorebook, unknown extension keys, ...) - written back
  verbatim from ``characters.card_data``.

``card_data["verbatim"]`` keeps a card's own text for a prompt field when the studio's composition
would differ (whitespace, a description without the profile section the studio would add): as long
as the studio values it was imported into are unchanged (same digest), export writes the original
text back, so an imported card re-exports exactly as it came.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.cards.codec.models import SPEC_V2, SPEC_V3, V1_FIELDS
from core.cards.codec.text import DESCRIPTION_GROUP, compose_description, compose_examples
from core.character_rules import EDITABLE_FIELDS
from core.models import Character, CharacterPortrait, CharacterScene
from core.urls import locate

STUDIO_EXTENSION = "character_studio"
EXTENSION_FORMAT = 1
REFERENCE_ASSET_TYPE = "x_character_studio_reference"
#: Studio fields carried in the extension (the others are card fields of their own).
EXT_FIELDS = ("description", "persona", "gender", "content_rating", "role", "appearance_tags", "appearance_details",
              "clothing_tags", "voice_tone", "mood", "forbidden_phrases", "voice_examples", "default_presets")
SCENE_EXPORT_FIELDS = ("scene_name", "scene_description", "scene_prompt", "scene_type", "scene_starters",
                       "system_prompt", "priority")
#: Card prompt field -> the studio values it is composed of ("scenario" = top scene's description).
PROMPT_FIELDS: dict[str, tuple[str, ...]] = {
    "description": DESCRIPTION_GROUP, "personality": ("traits",), "scenario": ("scenario",),
    "first_mes": ("first_message",), "mes_example": ("voice_examples",), "system_prompt": ("system_prompt",),
    "alternate_greetings": ("alternate_greetings",),
}
#: Composed fields whose exported text is fingerprinted, to tell "as exported" from "edited elsewhere".
FINGERPRINTED = ("description", "mes_example", "scenario")
#: Portrait metadata that names stored files: never exported, made afresh on import.
STORAGE_KEYS = ("storage_path", "thumbnail_paths", "stored_crc32", "stored_size")
_REQUIRED_DEFAULTS: dict[str, Any] = {"creator_notes": "", "post_history_instructions": "", "tags": [],
                                      "creator": "", "character_version": "", "group_only_greetings": []}


@dataclass(frozen=True)
class ExportImage:
    """Where an exported image is in the file: its asset URI and extension (``png``, ``jpeg``...)."""

    uri: str
    ext: str


def digest(value: Any) -> str:
    """A short stable fingerprint of JSON-able values."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def compose(card_field: str, values: dict[str, Any]) -> Any:
    """The card value the studio writes for ``card_field`` from its own values."""
    if card_field == "description":
        return compose_description(values)
    if card_field == "mes_example":
        return compose_examples(list(values.get("voice_examples") or []))
    if card_field == "alternate_greetings":
        return list(values.get("alternate_greetings") or [])
    (source,) = PROMPT_FIELDS[card_field]
    return values.get(source) or ""


def group_values(card_field: str, values: dict[str, Any]) -> dict[str, Any]:
    return {name: values.get(name) for name in PROMPT_FIELDS[card_field]}


def prompt_value(card_field: str, values: dict[str, Any], card_data: dict[str, Any]) -> Any:
    """The card's own text when kept and its studio values are unchanged, else the composition."""
    kept = (card_data.get("verbatim") or {}).get(card_field)
    group = group_values(card_field, values)
    if isinstance(kept, dict) and kept.get("of") == digest(group):
        return kept.get("value")
    return compose(card_field, group)


def verbatim_entry(card_field: str, values: dict[str, Any], card_value: Any) -> dict[str, Any] | None:
    """What to keep so export gives ``card_value`` back, or None when composing gives it anyway."""
    group = group_values(card_field, values)
    if compose(card_field, group) == card_value:
        return None
    return {"value": card_value, "of": digest(group)}


def required_default(key: str, value: Any) -> bool:
    """A required V2/V3 field holding its empty default: not worth keeping, export writes it anyway."""
    return key in _REQUIRED_DEFAULTS and value in (None, _REQUIRED_DEFAULTS[key])


def studio_values(character: Character, scenes: Sequence[CharacterScene]) -> dict[str, Any]:
    """Every editable field plus ``scenario`` (scenes are in list order: highest priority first)."""
    values = {name: getattr(character, name) for name in EDITABLE_FIELDS}
    values["scenario"] = scenes[0].scene_description if scenes else None
    return values


def portrait_asset(portrait: CharacterPortrait, index: int,
                   set_labels: frozenset[str] = frozenset()) -> tuple[str, str]:
    """``(type, name)`` of a portrait as an asset: the primary is the ``main`` icon; portraits an older
    import tagged with an emotion go back as emotions, unless the expression set has that label (its
    chosen image is the emotion then); the rest are icons under their original name."""
    meta = portrait.generation_metadata or {}
    original = meta.get("card_asset") if isinstance(meta.get("card_asset"), dict) else {}
    if portrait.is_primary:
        return "icon", "main"
    emotion = meta.get("emotion")
    if isinstance(emotion, str) and emotion and emotion not in set_labels:
        return "emotion", emotion
    name = original.get("name") if original.get("type") == "icon" else None
    return "icon", name if isinstance(name, str) and name and name != "main" else f"portrait_{index + 1}"


def scene_asset_name(scene: CharacterScene, index: int) -> str:
    """The top scene's image is the ``main`` background; the others go by their scene's name."""
    if index == 0:
        return "main"
    return scene.scene_name if scene.scene_name != "main" else f"main ({index + 1})"


def character_to_card(character: Character, scenes: Sequence[CharacterScene],
                      portraits: Sequence[tuple[CharacterPortrait, ExportImage]],
                      scene_images: dict[str, ExportImage], *, reference: dict[str, Any] | None = None,
                      avatar: dict[str, Any] | None = None,
                      extra_assets: Sequence[dict[str, Any]] = (),
                      sprites: Sequence[tuple[str, ExportImage]] = (),
                      expression_labels: Sequence[str] = ()) -> dict[str, Any]:
    """The V3 card (with the V1 fields repeated at the top level, as real cards do).

    ``portraits`` are the embedded ones in gallery order; ``scene_images`` maps a scene id to its
    embedded image; ``reference`` is the extension's reference entry and ``extra_assets`` lists its
    embedded file, if any; ``avatar`` marks a PNG whose image is the offline renderer's placeholder
    (so a re-import does not take it for a portrait). ``sprites`` are the expression set's chosen
    images, one ``emotion`` asset per label; ``expression_labels`` every label of the set (the
    extension lists them, so labels with no image yet survive a round trip).
    """
    card_data = character.card_data or {}
    kept_fields: dict[str, Any] = dict(card_data.get("fields") or {})
    values = studio_values(character, scenes)
    data: dict[str, Any] = {"name": character.name}
    for key in ("description", "personality", "scenario", "first_mes", "mes_example"):
        data[key] = prompt_value(key, values, card_data)
    data["creator_notes"] = kept_fields.pop("creator_notes", "")
    data["system_prompt"] = prompt_value("system_prompt", values, card_data)
    data["post_history_instructions"] = kept_fields.pop("post_history_instructions", "")
    data["alternate_greetings"] = prompt_value("alternate_greetings", values, card_data)
    if "character_book" in kept_fields:
        data["character_book"] = kept_fields.pop("character_book")
    data["tags"] = kept_fields.pop("tags", [])
    data["creator"] = kept_fields.pop("creator", "")
    data["character_version"] = kept_fields.pop("character_version", "")
    ext = _extension(character, values, scenes, portraits, scene_images, reference, avatar, data)
    if expression_labels:
        ext["expressions"] = {"labels": list(expression_labels)}
    data["extensions"] = {**(card_data.get("extensions") or {}), STUDIO_EXTENSION: ext}
    data["group_only_greetings"] = kept_fields.pop("group_only_greetings", [])
    emotions = [{"type": "emotion", "uri": image.uri, "name": label, "ext": image.ext} for label, image in sprites]
    data["assets"] = _assets(card_data, portraits, scenes, scene_images, [*extra_assets, *emotions],
                             frozenset(expression_labels))
    unchanged = card_data.get("imported_version") == character.version
    data["creation_date"] = kept_fields.pop("creation_date", int(character.created_at.timestamp()))
    modified = kept_fields.pop("modification_date", None)
    data["modification_date"] = modified if unchanged and modified is not None else int(
        character.updated_at.timestamp())
    data.update(kept_fields)  # nickname, source, creator_notes_multilingual, unknown keys: verbatim
    top = {key: value for key, value in (card_data.get("top") or {}).items()
           if key not in ("spec", "spec_version", "data", *V1_FIELDS)}
    return {"spec": SPEC_V3, "spec_version": "3.0", **{key: data[key] for key in V1_FIELDS}, **top, "data": data}


def as_v2(card: dict[str, Any]) -> dict[str, Any]:
    """The same card labelled V2 (the ``chara`` chunk): V2 readers ignore the V3-only keys."""
    return {**card, "spec": SPEC_V2, "spec_version": "2.0"}


def _extension(character: Character, values: dict[str, Any], scenes: Sequence[CharacterScene],
               portraits: Sequence[tuple[CharacterPortrait, ExportImage]], scene_images: dict[str, ExportImage],
               reference: dict[str, Any] | None, avatar: dict[str, Any] | None,
               data: dict[str, Any]) -> dict[str, Any]:
    ext: dict[str, Any] = {"format": EXTENSION_FORMAT, "fields": {name: values[name] for name in EXT_FIELDS}}
    ext["scenes"] = [_scene_entry(scene, scene_images.get(scene.id)) for scene in scenes]
    ext["portraits"] = [{
        "image": image.uri, "primary": portrait.is_primary, "prompt": portrait.prompt,
        "enhanced_prompt": portrait.enhanced_prompt,
        "generation_metadata": {k: v for k, v in (portrait.generation_metadata or {}).items() if k not in STORAGE_KEYS},
    } for portrait, image in portraits]
    if reference is not None:
        ext["reference"] = reference
    if avatar is not None:
        ext["avatar"] = avatar
    ext["exported"] = {key: digest(data[key]) for key in FINGERPRINTED}
    return ext


def _scene_entry(scene: CharacterScene, image: ExportImage | None) -> dict[str, Any]:
    entry: dict[str, Any] = {name: getattr(scene, name) for name in SCENE_EXPORT_FIELDS}
    entry["image"] = image.uri if image else None
    url = scene.image_url or ""
    external = url.startswith(("http://", "https://")) and locate(url) is None  # a stored one of ours is signed
    entry["image_url"] = url if image is None and external else None
    return entry


def _assets(card_data: dict[str, Any], portraits: Sequence[tuple[CharacterPortrait, ExportImage]],
            scenes: Sequence[CharacterScene], scene_images: dict[str, ExportImage],
            extra: Sequence[dict[str, Any]], set_labels: frozenset[str]) -> list[dict[str, Any]]:
    own: list[dict[str, Any]] = []
    for index, (portrait, image) in enumerate(portraits):
        kind, name = portrait_asset(portrait, index, set_labels)
        own.append({"type": kind, "uri": image.uri, "name": name, "ext": image.ext})
    for index, scene in enumerate(scenes):
        if scene.id in scene_images:
            image = scene_images[scene.id]
            own.append({"type": "background", "uri": image.uri, "name": scene_asset_name(scene, index),
                        "ext": image.ext})
    own.extend(dict(asset) for asset in extra)
    kept = [dict(asset) for asset in card_data.get("assets") or [] if isinstance(asset, dict)]
    has_main = {a["type"] for a in own if a.get("name") == "main"}
    for asset in kept:  # the spec allows one main icon and one main background
        if asset.get("name") == "main" and asset.get("type") in has_main:
            asset["name"] = "original-main"
    if not any(a.get("type") == "icon" and a.get("name") == "main" for a in [*own, *kept]):
        own.insert(0, {"type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png"})
    return [*own, *kept]
