"""Export a character as a card: PNG (V2 ``chara`` + V3 ``ccv3``), JSON (V3) or CHARX.

Anyone signed in may export a public character; a private one only its owner (``auth.may_read``
decides, so the rule is the same as for reading it). Formats:

* **png** - the primary portrait's stored bytes with both card chunks inserted before ``IEND`` (its
  pixels are untouched); with no portrait, the offline renderer's image, marked as a placeholder so
  a re-import does not take it for a portrait. With ``embed_assets`` (the default) the other portraits,
  scene images and the reference ride along as ``chara-ext-asset_`` chunks (``__asset:N``), so a PNG
  alone brings the whole character back into the studio.
* **json** - the V3 card, indented. No images (JSON has nowhere to put them).
* **charx** - ``card.json`` plus every portrait as an asset (the primary is the ``main`` icon), scene
  images as ``background`` assets and the reference as an ``x_character_studio_reference`` asset.

Only the owner's stored files are read: a scene image URL that is not one of the owner's stored
objects is written as a link in the studio extension (if it is a web address), never fetched.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from PIL import Image

from core.auth import may_read
from core.card_export_cache import CachedExport, Fingerprint, Location, Piece, Span, fingerprint, materialize
from core.cards.charx import ArchiveFile, charx_parts
from core.cards.json_cards import dumps
from core.cards.mapping import REFERENCE_ASSET_TYPE, ExportImage, as_v2, character_to_card, portrait_asset
from core.cards.png_chunks import SIGNATURE, png_card_layout
from core.context import Context
from core.errors import NotFound, ValidationError
from core.generation.providers.builtin import derive_seed, render_portrait
from core.models import Character, CharacterPortrait, CharacterScene, User
from core.portraits import GALLERY_ORDER
from core.urls import locate
from storage.base import BUCKETS, USER_LIBRARY, ObjectNotFound, Storage, StorageError
from storage.local import LocalStorage
from storage.png import encode_png

EXPORT_FORMATS = ("png", "json", "charx")
MEDIA_TYPES = {"png": "image/png", "json": "application/json", "charx": "application/zip"}
_UNSAFE = re.compile(r"[^\w .()\-]+")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
_READ_THREADS = 8
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


@dataclass
class ExportedCard:
    """The file: its name, type and bytes - as pieces (``parts``, what an HTTP response streams without
    copying the images again) or joined (``data``, for a UI download)."""

    filename: str
    media_type: str
    parts: list[bytes | memoryview]
    warnings: list[str] = field(default_factory=list)

    @cached_property
    def data(self) -> bytes:
        return b"".join(self.parts)

    @property
    def size(self) -> int:
        return sum(len(part) for part in self.parts)


@dataclass
class _Snapshot:
    character: Character
    portraits: list[CharacterPortrait]  # gallery order
    scenes: list[CharacterScene]  # list order: highest priority first


async def export_card(ctx: Context, actor: User, character_id: str, fmt: str = "png", *,
                      embed_assets: bool = True) -> ExportedCard:
    """The card file of a character the actor may read; the work runs in a thread."""
    if fmt not in EXPORT_FORMATS:
        raise ValidationError({"format": f"Format must be one of: {', '.join(EXPORT_FORMATS)}"})
    return await asyncio.to_thread(export_card_sync, ctx, actor, character_id, fmt, embed_assets=embed_assets)


def export_card_sync(ctx: Context, actor: User, character_id: str, fmt: str = "png", *,
                     embed_assets: bool = True) -> ExportedCard:
    """:func:`export_card` for callers already off the event loop (benchmarks, scripts).

    An unchanged character's card comes from ``ctx.exports`` (see :mod:`core.card_export_cache`):
    its files are read again, its rows and card are not.
    """
    key = (character_id, fmt, embed_assets)
    cached = ctx.exports.get(key)
    if cached is not None:
        exported = _from_cache(ctx.storage, actor, cached, fmt)
        if exported is not None:
            return exported
    token = ctx.exports.token(character_id)
    snapshot = _load(ctx, actor, character_id)
    builder = _Builder(ctx.storage, snapshot, fmt, embed_assets)
    pieces = builder.build()
    character = snapshot.character
    filename = safe_filename(character.name, fmt)
    ctx.exports.put(key, token, CachedExport(character.user_id, character.is_public, filename, tuple(pieces),
                                             builder.files_read, tuple(builder.warnings)))
    return ExportedCard(filename, MEDIA_TYPES[fmt], materialize(pieces, builder.blobs), builder.warnings)


def _from_cache(storage: Storage, actor: User, cached: CachedExport, fmt: str) -> ExportedCard | None:
    """The cached layout around freshly read files; None when a file is not the one it was built around."""
    if not may_read(actor, cached.owner_id, cached.is_public):
        raise NotFound("Character not found")
    blobs = read_files(storage, list(cached.files))
    if any(fingerprint(blobs.get(location)) != known for location, known in cached.files.items()):
        return None
    return ExportedCard(cached.filename, MEDIA_TYPES[fmt], materialize(cached.pieces, blobs), list(cached.warnings))


def safe_filename(name: str, suffix: str) -> str:
    """The character's name as a file name any OS accepts: letters, digits, spaces and ``._-()``."""
    base = _UNSAFE.sub("_", unicodedata.normalize("NFKC", name))
    base = re.sub(r"_{2,}", "_", base).strip(" ._")[:80].rstrip(" .") or "character"
    if base.lower() in _RESERVED:
        base += "_"
    return f"{base}.{suffix}"


def _load(ctx: Context, actor: User, character_id: str) -> _Snapshot:
    """The rows of one export, read with three cached Core statements on one connection.

    An export only reads, so the rows become detached models built without validation: the ORM's
    identity map and per-row instrumentation cost three times as much as the queries themselves,
    which matters when the file it builds takes a third of a millisecond to read.
    """
    with ctx.db.engine.connect() as conn:
        found = conn.execute(_CHARACTER, {"id": character_id}).first() if character_id else None
        if found is None or not may_read(actor, found.user_id, found.is_public):
            raise NotFound("Character not found")
        portraits = conn.execute(_PORTRAITS, {"id": character_id}).all()
        scenes = conn.execute(_SCENES, {"id": character_id}).all()
    return _Snapshot(Character.model_construct(**found._mapping),
                     [CharacterPortrait.model_construct(**row._mapping) for row in portraits],
                     [CharacterScene.model_construct(**row._mapping) for row in scenes])


_character_table = Character.__table__  # type: ignore[attr-defined]
_portrait_table = CharacterPortrait.__table__  # type: ignore[attr-defined]
_scene_table = CharacterScene.__table__  # type: ignore[attr-defined]
_CHARACTER = sa.select(_character_table).where(_character_table.c.id == sa.bindparam("id"))
_PORTRAITS = (sa.select(_portrait_table).where(_portrait_table.c.character_id == sa.bindparam("id"))
              .order_by(*GALLERY_ORDER))
_SCENES = (sa.select(_scene_table).where(_scene_table.c.character_id == sa.bindparam("id"))
           .order_by(_scene_table.c.priority.desc(), _scene_table.c.created_at, _scene_table.c.id))


class _Builder:
    """Collects the files of one export and names them for its format."""

    def __init__(self, storage: Storage, snapshot: _Snapshot, fmt: str, embed: bool) -> None:
        self.storage, self.snapshot, self.fmt, self.embed = storage, snapshot, fmt, embed
        self.owner = snapshot.character.user_id
        self.warnings: list[str] = []
        self.files: list[ArchiveFile] = []  # CHARX path or PNG asset key, bytes, recorded CRC-32
        self.blobs: dict[Location, bytes] = {}  # what was read, by location
        self.files_read: dict[Location, Fingerprint | None] = {}  # every location asked for
        self._read_by_id: dict[int, Location] = {}

    def build(self) -> list[Piece]:
        """The export as pieces: bytes built from the rows, and spans of the stored files."""
        character, portraits, scenes = self.snapshot.character, self.snapshot.portraits, self.snapshot.scenes
        wanted = [] if self.fmt == "json" else portraits if self.fmt == "charx" or self.embed else \
            [p for p in portraits if p.is_primary][:1] or portraits[:1]
        scene_keys = {s.id: self._location(s.image_url) for s in scenes} if self.fmt == "charx" or (
            self.fmt == "png" and self.embed) else {}
        reference = self._location_path(character.reference_image_path)
        with_extras = self.fmt == "charx" or (self.fmt == "png" and self.embed)
        blobs = self._read_all([*(self._portrait_location(p) for p in wanted), *scene_keys.values(),
                                reference if with_extras else None])
        exported = [(p, blobs.get(self._portrait_location(p))) for p in wanted]
        for portrait, data in exported:
            if data is None:
                self.warnings.append(f"Portrait {portrait.id} has no stored image; it was left out.")
        present = [(p, data) for p, data in exported if data is not None]
        avatar, image = None, None
        if self.fmt == "png":
            present, image, avatar = self._png_avatar(present)
        pairs = [(portrait, self._add(portrait_asset(portrait, i)[0], data, _recorded_crc(portrait, data),
                                      first=self.fmt == "png" and portrait.is_primary))
                 for i, (portrait, data) in enumerate(present)]
        scene_images = {sid: self._add("background", blobs[loc]) for sid, loc in scene_keys.items()
                        if loc is not None and blobs.get(loc) is not None}
        ref_entry, extra = self._reference(reference, blobs, pairs)
        card = character_to_card(character, scenes, pairs, scene_images, reference=ref_entry, avatar=avatar,
                                 extra_assets=extra)
        if self.fmt == "json":
            return [dumps(card, pretty=True)]
        if self.fmt == "charx":
            return [self._span(part, slice(0, len(part))) or part
                    for part in charx_parts(dumps(card), self.files, character.updated_at)]
        assert image is not None
        v3 = dumps(card)
        return [part if isinstance(part, bytes) else self._span(image, part) or bytes(image[part])
                for part in png_card_layout(image, _v2_json(card, v3), v3, self.files)]

    def _span(self, data: bytes, part: slice) -> Span | None:
        """``data[part]`` as a span of the stored file ``data`` is (None if it is not one, as built bytes)."""
        location = self._read_by_id.get(id(data))
        if location is None or self.blobs[location] is not data:
            return None
        return Span(location, part.start, part.stop)

    def _png_avatar(self, present: list[tuple[CharacterPortrait, bytes]]
                    ) -> tuple[list[tuple[CharacterPortrait, bytes]], bytes, dict[str, Any] | None]:
        """The PNG's own image: the primary portrait (its asset is ``ccdefault:``), or a rendered placeholder."""
        if not present:
            character = self.snapshot.character
            tags = (*character.appearance_tags, *character.clothing_tags)
            rendered = render_portrait(character.name, tags, derive_seed(character.name, tags))
            return [], rendered, {"placeholder": hashlib.sha256(rendered).hexdigest()}
        primary = next((pair for pair in present if pair[0].is_primary), None)
        if primary is None:  # the primary's file is gone: the first one that is there stands in
            self.warnings.append("The primary portrait has no stored image; the next portrait is the card image.")
            primary = (present[0][0].model_copy(update={"is_primary": True}), present[0][1])
            present = [primary, *present[1:]]
        return present, _as_png(primary[1]), None

    def _add(self, kind: str, data: bytes, crc: int | None = None, *, first: bool = False) -> ExportImage:
        """Register a file for the archive (or the PNG's asset chunks) and return its asset URI."""
        ext = _extension(data)
        if first:
            return ExportImage("ccdefault:", "png")
        if self.fmt == "charx":
            path = f"assets/{kind}/images/{len(self.files)}.{ext}"
            self.files.append(ArchiveFile(path, data, crc))
            return ExportImage(f"embeded://{path}", ext)
        key = str(len(self.files))
        self.files.append(ArchiveFile(key, data, crc))
        return ExportImage(f"__asset:{key}", ext)

    def _reference(self, reference: tuple[str, str] | None, blobs: dict[tuple[str, str], bytes],
                   pairs: list[tuple[CharacterPortrait, ExportImage]]
                   ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        if reference is None or self.fmt == "json":
            return None, []
        for index, (portrait, _image) in enumerate(pairs):
            if reference == (USER_LIBRARY, (portrait.generation_metadata or {}).get("storage_path")):
                return {"portrait": index}, []
        if self.fmt == "png" and not self.embed:
            return None, []
        data = blobs.get(reference)
        if data is None:
            return None, []
        image = self._add(REFERENCE_ASSET_TYPE, data)
        return {"image": image.uri}, [{"type": REFERENCE_ASSET_TYPE, "uri": image.uri, "name": "reference",
                                       "ext": image.ext}]

    def _portrait_location(self, portrait: CharacterPortrait) -> tuple[str, str] | None:
        key = (portrait.generation_metadata or {}).get("storage_path")
        if isinstance(key, str) and key.startswith(f"{self.owner}/"):
            return USER_LIBRARY, key
        return self._location(portrait.image_url)

    def _location(self, url: str | None) -> tuple[str, str] | None:
        found = locate(url)
        return found if found and found[1].startswith(f"{self.owner}/") else None

    def _location_path(self, path: str | None) -> tuple[str, str] | None:
        bucket, _, key = (path or "").partition("/")
        return (bucket, key) if bucket in BUCKETS and key.startswith(f"{self.owner}/") else None

    def _read_all(self, locations: list[Location | None]) -> dict[Location, bytes]:
        """The stored bytes of each location (missing ones are absent), remembered with their fingerprints."""
        unique = list(dict.fromkeys(loc for loc in locations if loc is not None))
        self.blobs = read_files(self.storage, unique)
        self.files_read = {loc: fingerprint(self.blobs.get(loc)) for loc in unique}
        self._read_by_id = {id(data): loc for loc, data in self.blobs.items()}
        return self.blobs


def read_files(storage: Storage, locations: list[Location]) -> dict[Location, bytes]:
    """The stored bytes of each location; missing or unreadable ones are absent.

    Local files are read one after another (from the page cache that is faster than any thread
    hand-off); a remote backend's reads overlap on a shared pool, since each one waits on the network.
    """
    if len(locations) <= 1 or isinstance(storage, LocalStorage):
        results = [_read(storage, loc) for loc in locations]
    else:
        results = list(_read_pool().map(lambda loc: _read(storage, loc), locations))
    return {loc: data for loc, data in zip(locations, results, strict=True) if data is not None}


def _read(storage: Storage, location: Location) -> bytes | None:
    try:
        return storage.get(*location)
    except (ObjectNotFound, StorageError, ValueError):
        return None


def _read_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=_READ_THREADS, thread_name_prefix="card-read")
        return _pool


def _recorded_crc(portrait: CharacterPortrait, data: bytes) -> int | None:
    """The CRC-32 recorded when the portrait was stored, if it still describes bytes of this length."""
    meta = portrait.generation_metadata or {}
    crc, size = meta.get("stored_crc32"), meta.get("stored_size")
    valid = isinstance(crc, int) and 0 <= crc <= 0xFFFFFFFF and size == len(data)
    return crc if valid else None  # type: ignore[return-value]


def _v2_json(card: dict[str, Any], v3: bytes) -> bytes:
    """The ``chara`` copy: the same JSON with the V2 label (spliced, not encoded a second time)."""
    head = dumps({"spec": card["spec"], "spec_version": card["spec_version"]})[:-1]
    if v3.startswith(head):
        return dumps({"spec": "chara_card_v2", "spec_version": "2.0"})[:-1] + v3[len(head):]
    return dumps(as_v2(card))


def _as_png(data: bytes) -> bytes:
    """Stored portraits are PNG already; anything else is re-encoded from its pixels (never metadata)."""
    if data.startswith(SIGNATURE):
        return data
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        mode = im.mode if im.mode in ("L", "LA", "RGB", "RGBA") else ("RGBA" if "A" in im.getbands() else "RGB")
        return encode_png(im.convert(mode) if mode != im.mode else im)


def _extension(data: bytes) -> str:
    if data.startswith(SIGNATURE):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return "gif" if data[:4] == b"GIF8" else "unknown"
