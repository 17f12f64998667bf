"""Cards as the tools write them, built here from the public specs (never read from disk), and counters.

The PNG chunks are assembled by hand with ``struct``/``zlib`` (not with the code under test), the
CHARX archives with ``zipfile``, so a bug in the studio's own writers cannot hide in its readers.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import struct
import zipfile
import zlib
from typing import Any

from PIL import Image
from sqlmodel import func, select

from core import portraits, scenes
from core.characters import create_character
from core.context import Context
from core.generation.persist import store_portrait
from core.image_gate import stored_file_metadata
from core.models import Character, CharacterPortrait, CharacterScene, User
from core.reference_images import upload_reference, use_stored_image
from storage.base import BUCKETS, USER_LIBRARY, portrait_key

SIGNATURE = b"\x89PNG\r\n\x1a\n"


# -- images and PNG chunks ---------------------------------------------------------------------


def picture(width: int = 96, height: int = 64, seed: int = 0) -> Image.Image:
    """A small image with structure (a gradient with a coloured block), different for each seed."""
    im = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    im.paste((40 * seed % 256, 200, 90 + seed), (seed % (width // 2), 4, seed % (width // 2) + 12, 20))
    return im


def png_of(im: Image.Image) -> bytes:
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def pixels(data: bytes) -> tuple[str, tuple[int, int], bytes]:
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        return im.mode, im.size, im.tobytes()


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def split_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """``(type, data)`` of every chunk, parsed independently of the studio's reader."""
    result, offset = [], 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset:offset + 4])
        kind = png[offset + 4:offset + 8]
        result.append((kind, png[offset + 8:offset + 8 + length]))
        offset += 12 + length
    return result


def join_chunks(chunks: list[tuple[bytes, bytes]]) -> bytes:
    return SIGNATURE + b"".join(chunk(kind, data) for kind, data in chunks)


def text_payload(keyword: str, card: dict[str, Any] | bytes | str) -> bytes:
    """A ``tEXt`` chunk body: keyword, NUL, base64 of the UTF-8 JSON (or of the given raw bytes/text)."""
    if isinstance(card, str):
        return keyword.encode() + b"\x00" + card.encode("latin-1")
    raw = card if isinstance(card, bytes) else json.dumps(card, ensure_ascii=False).encode()
    return keyword.encode() + b"\x00" + base64.b64encode(raw)


def with_text_chunks(png: bytes, *items: tuple[str, dict[str, Any] | bytes | str]) -> bytes:
    """Insert ``tEXt`` chunks before IEND, the way SillyTavern does."""
    chunks = split_chunks(png)
    return join_chunks([*chunks[:-1], *((b"tEXt", text_payload(k, v)) for k, v in items), chunks[-1]])


def card_texts(png: bytes) -> dict[str, dict[str, Any]]:
    """Decoded ``chara``/``ccv3`` chunks of a PNG."""
    found = {}
    for kind, data in split_chunks(png):
        if kind == b"tEXt":
            keyword, _, text = data.partition(b"\x00")
            if keyword in (b"chara", b"ccv3"):
                found[keyword.decode()] = json.loads(base64.b64decode(text))
    return found


# -- the cards ---------------------------------------------------------------------------------

LOREBOOK_V2: dict[str, Any] = {
    "name": "Harbour lore", "description": "Places in Saltmere", "scan_depth": 4, "token_budget": 512,
    "recursive_scanning": False, "extensions": {"risu_fullWordMatching": True},
    "entries": [
        {"keys": ["lighthouse", "beacon"], "content": "The lighthouse has been dark for 3 years.",
         "extensions": {"depth": 4, "weight": 10}, "enabled": True, "insertion_order": 100, "name": "Lighthouse",
         "priority": 10, "id": 0, "comment": "main landmark", "selective": True, "secondary_keys": ["night"],
         "constant": False, "position": "before_char"},
        {"keys": ["Mara"], "content": "Mara runs the tavern.", "extensions": {}, "enabled": False,
         "insertion_order": 5.5},
    ],
}
UNKNOWN_EXTENSIONS: dict[str, Any] = {
    "talkativeness": "0.5", "fav": False, "world": "Saltmere",
    "depth_prompt": {"prompt": "Keep the sea in mind.", "depth": 4, "role": "system"},
    "chub": {"id": 123456, "full_path": "someone/harbour-keeper", "related_lorebooks": [], "expressions": None},
    "x_nested": {"deep": [1, 2.5, {"a": [True, None, "ü"]}]},
}


def v1_card() -> dict[str, Any]:
    """TavernCardV1: six flat fields."""
    return {
        "name": "Old Tom", "description": "A retired sailor who talks about storms.",
        "personality": "grumpy, loyal, superstitious", "scenario": "A rainy evening at the docks.",
        "first_mes": "*Tom squints at you.* Another landlubber, eh?",
        "mes_example": "<START>\n{{user}}: Hello!\n{{char}}: Hmph. Hello yourself.\n<START>\n{{user}}: Storm coming?\n"
                       "{{char}}: Always is.\n",
    }


def v2_card() -> dict[str, Any]:
    """TavernCardV2 as SillyTavern writes it: the V1 fields repeated at the top level beside ``data``."""
    data = {
        "name": "Harbour Keeper", "description": "Keeper of the Saltmere lighthouse.\nShe knows every ship.",
        "personality": "watchful, dry humour", "scenario": "The lighthouse at dusk.",
        "first_mes": "You're late. The fog came in an hour ago.",
        "mes_example": "<START>\n{{user}}: Is the light working?\n{{char}}: It works when I say it works.",
        "creator_notes": "Best with a slow-burn story.", "system_prompt": "You are {{char}}. Never break character.",
        "post_history_instructions": "Keep replies under 200 words.",
        "alternate_greetings": ["Ah, the courier. Finally.", "Shh - listen. Do you hear the bell?"],
        "character_book": copy.deepcopy(LOREBOOK_V2), "tags": ["fantasy", "mystery", "female"],
        "creator": "tidewright", "character_version": "1.3", "extensions": copy.deepcopy(UNKNOWN_EXTENSIONS),
    }
    stale = {key: f"(stale) {data[key]}" for key in ("name", "description", "personality", "scenario", "first_mes",
                                                     "mes_example")}
    return {**stale, "creatorcomment": "Best with a slow-burn story.", "avatar": "none", "talkativeness": "0.5",
            "fav": False, "tags": ["fantasy"], "spec": "chara_card_v2", "spec_version": "2.0", "data": data,
            "create_date": "2024-5-1 @12h 30m 10s 123ms"}


def v3_card() -> dict[str, Any]:
    """CharacterCardV3 with the V3-only fields and a lorebook using the V3 entry additions."""
    book = copy.deepcopy(LOREBOOK_V2)
    for entry in book["entries"]:
        entry.update(use_regex=False, case_sensitive=True)
    book["entries"].append({"keys": ["^storm(s)?$"], "content": "@@depth 2\nStorms flood the lower town.",
                            "extensions": {}, "enabled": True, "insertion_order": 1, "use_regex": True,
                            "constant": False})
    data = {
        **v2_card()["data"], "name": "Captain Ilse", "nickname": "Ilse",
        "creator_notes_multilingual": {"en": "Best with a slow-burn story.", "de": "Am besten langsam erzählen."},
        "source": ["https://example.org/cards/ilse", "chub:tidewright/ilse"],
        "group_only_greetings": ["*Ilse nods at the group.*"], "creation_date": 1714560000,
        "modification_date": 1717000000, "character_book": book,
        "assets": [{"type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png"},
                   {"type": "user_icon", "uri": "https://example.org/u.png", "name": "Sailor", "ext": "png"}],
    }
    return {"spec": "chara_card_v3", "spec_version": "3.0", "data": data}


def v2_png() -> tuple[bytes, dict[str, Any]]:
    card = v2_card()
    return with_text_chunks(png_of(picture(96, 64, 1)), ("chara", card)), card


def v3_png() -> tuple[bytes, dict[str, Any]]:
    """Both chunks, as SillyTavern writes them; the ``chara`` one is a V2 backfill with a warning note."""
    card = v3_card()
    backfill = {"spec": "chara_card_v2", "spec_version": "2.0",
                "data": {**{k: v for k, v in card["data"].items() if k not in ("assets", "nickname", "source")},
                         "creator_notes": "This character card is Character Card V3, but it is loaded as a "
                                          "Character Card V2."}}
    return with_text_chunks(png_of(picture(80, 80, 2)), ("chara", backfill), ("ccv3", card)), card


def charx_card() -> dict[str, Any]:
    card = v3_card()
    card["data"].update(name="Sprite Sea", assets=[
        {"type": "icon", "uri": "embedded://assets/icon/images/side.png", "name": "side", "ext": "png"},
        {"type": "icon", "uri": "embeded://assets/icon/images/main.png", "name": "main", "ext": "png"},
        {"type": "emotion", "uri": "embeded://assets/emotion/images/happy.png", "name": "happy", "ext": "png"},
        {"type": "icon", "uri": "__asset:assets/icon/images/back.webp", "name": "back", "ext": "webp"},
        {"type": "user_icon", "uri": "https://example.org/u.png", "name": "Sailor", "ext": "png"},
    ])
    return card


def charx_bytes(card: dict[str, Any] | None = None, files: dict[str, bytes] | None = None) -> tuple[bytes, dict]:
    """A CHARX with three icons (one of them WebP) and an emotion, zipped with the stdlib."""
    card = card or charx_card()
    files = files if files is not None else {
        "assets/icon/images/main.png": png_of(picture(64, 64, 3)),
        "assets/icon/images/side.png": png_of(picture(64, 64, 4)),
        "assets/icon/images/back.webp": _webp(picture(64, 64, 5)),
        "assets/emotion/images/happy.png": png_of(picture(48, 48, 6)),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("card.json", json.dumps(card))
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr("module.risum", b"\x00\x01opaque")
    return out.getvalue(), card


def _webp(im: Image.Image) -> bytes:
    out = io.BytesIO()
    im.save(out, "WEBP", lossless=True)
    return out.getvalue()


# -- a character made in the studio, every field filled ------------------------------------------

EVERY_FIELD: dict[str, Any] = {
    "name": "Mira Vale", "description": "A wandering cartographer who maps places that do not exist yet.",
    "gender": "non-binary", "content_rating": "sfw", "role": "ai", "traits": "curious, restless, kind",
    "persona": "Mira speaks softly and in metaphors.\nShe collects compasses.", "appearance_tags": ["silver hair",
                                                                                                   "green eyes"],
    "clothing_tags": ["travel cloak", "ink-stained gloves"], "voice_tone": "playful", "mood": "mysterious",
    "appearance_details": "A thin scar through the left brow;\nink on her fingertips.",
    "first_message": "*Mira looks up from a half-drawn map.* Oh! You found me.",
    "system_prompt": "You are {{char}}. Stay in character.",
    "alternate_greetings": ["Lost? Good. The best maps start that way.", "Hold this corner, would you?"],
    "forbidden_phrases": ["as an AI", "I cannot"],
    "voice_examples": ["{{user}}: Where are we?\n{{char}}: Somewhere not on any map. Yet.", "*hums a sea shanty*"],
    "default_presets": {"pose": "sitting", "expression": "smiling", "outfit": "travel", "camera": "portrait"},
}
SCENE_LIBRARY: dict[str, Any] = {
    "scene_name": "The Library", "scene_description": "Dusty shelves and a locked atlas.",
    "scene_prompt": "an old library, warm light", "scene_type": "indoor", "scene_starters": ["Look at this!", "Shh."],
    "system_prompt": "Describe the smell of old paper.", "priority": 7,
}
SCENE_HARBOUR: dict[str, Any] = {
    "scene_name": "Harbour", "scene_description": "Gulls and salt.", "scene_prompt": None, "scene_type": "outdoor",
    "scene_starters": [], "system_prompt": None, "priority": 2,
    "image_url": None,  # scene images are stored images or none: web addresses are refused
}


async def add_stored_portrait(ctx: Context, owner: User, character: Character, seed: int) -> None:
    job = f"job-{seed}"
    stored = await store_portrait(ctx, png_of(picture(72, 90, seed)),
                                  portrait_key(owner.id, character.id, job), None)
    portraits.add_portrait(
        ctx, owner, character.id, image_url=stored.image_url, thumbnail_url=stored.thumbnail_url,
        prompt=f"portrait {seed}", enhanced_prompt=f"portrait {seed}, detailed",
        generation_metadata={"model": "Offline preview", "model_key": "builtin/preview", "generation_mode": "txt2img",
                             "generation_time_ms": 40 + seed, "presets": {"pose": "standing"}, "job_id": job,
                             "seed": seed, "provider": "builtin", "width": 72, "height": 90,
                             **stored_file_metadata(stored.storage_path, stored.thumbnail_paths, stored.crc32,
                                                    stored.size)})


async def make_full_character(ctx: Context, owner: User, *, reference: str = "upload") -> Character:
    character = create_character(ctx, owner, EVERY_FIELD)
    for seed in (11, 12, 13):
        await add_stored_portrait(ctx, owner, character, seed)
    gallery = portraits.list_portraits(ctx, owner, character.id)
    portraits.set_primary(ctx, owner, gallery[1].id)
    portraits.reorder_portraits(ctx, owner, character.id, [gallery[1].id, gallery[2].id, gallery[0].id])
    scene_image = await store_portrait(ctx, png_of(picture(120, 60, 21)),
                                       portrait_key(owner.id, character.id, "scene-job"), None)
    scenes.create_scene(ctx, owner, character.id, {**SCENE_LIBRARY, "image_url": scene_image.image_url})
    scenes.create_scene(ctx, owner, character.id, SCENE_HARBOUR)
    if reference == "upload":
        character = await upload_reference(ctx, owner, character.id, png_of(picture(64, 64, 31)))
    else:
        key = portraits.list_portraits(ctx, owner, character.id)[2].generation_metadata["storage_path"]
        character = await use_stored_image(ctx, owner, character.id, USER_LIBRARY, key)
    return character


# -- counting what exists ------------------------------------------------------------------------


def counts(ctx: Context) -> dict[str, int]:
    """Rows and stored files, to show that a refused import left nothing behind."""
    with ctx.db.read() as session:
        rows = {name: int(session.exec(select(func.count()).select_from(model)).one())
                for name, model in (("characters", Character), ("portraits", CharacterPortrait),
                                    ("scenes", CharacterScene))}
    rows["files"] = sum(len(ctx.storage.list(bucket, "")) for bucket in BUCKETS)
    return rows
