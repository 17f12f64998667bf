"""Lay out one export: which stored files go in, under which names, and the pieces of the file.

The builder reads each stored file once, to learn what it is (its size, its type from its first
bytes, its fingerprint and - when it has to - its CRC-32), and keeps the bytes while the export is
small. Past ``hold_limit`` bytes it lets them go and *streams*: the pieces refer to the files
(:class:`~core.cards.pieces.Span`, :class:`~core.cards.codec.png_chunks.Base64TextChunk`) and
:func:`core.cards.pieces.stream` reads each one again as the download reaches it. Only the owner's
stored files are read; a PNG's own image (the primary portrait) is always held.
"""

from __future__ import annotations

import hashlib
import io
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from core.cards.codec.charx import ArchiveFile, charx_parts
from core.cards.codec.json_cards import dumps
from core.cards.codec.mapping import REFERENCE_ASSET_TYPE, ExportImage, as_v2, character_to_card, portrait_asset
from core.cards.codec.png_chunks import SIGNATURE, png_card_layout
from core.cards.pieces import Fingerprint, Location, Piece, Span, fingerprint, iter_files, read_checked
from core.models import Character, CharacterPortrait, CharacterScene
from core.render.portrait import derive_seed, render_portrait
from core.urls import locate
from storage.base import BUCKETS, USER_LIBRARY, Storage
from storage.checksum import crc32
from storage.png import encode_png

HOLD_LIMIT_BYTES = 64 * 2**20  # stored bytes an export keeps in memory; past it, it streams
Data = bytes | Span  # a stored file's bytes, or a reference to them once the export streams


@dataclass
class Snapshot:
    """The rows of one export."""

    character: Character
    portraits: list[CharacterPortrait]  # gallery order
    scenes: list[CharacterScene]  # list order: highest priority first
    expression_labels: list[str] = field(default_factory=list)  # the set's labels (none: no set, or not the owner's)
    sprites: list[tuple[str, str]] = field(default_factory=list)  # (label, stored key) of each chosen image


class CardLayout:
    """Collects the files of one export, names them for its format and returns its pieces."""

    def __init__(self, storage: Storage, snapshot: Snapshot, fmt: str, embed: bool, *,
                 hold_limit: int = HOLD_LIMIT_BYTES, threads: Executor | None = None) -> None:
        self.storage, self.snapshot, self.fmt, self.embed = storage, snapshot, fmt, embed
        self.threads = threads  # for remote reads that overlap
        self.hold_limit = hold_limit
        self.owner = snapshot.character.user_id
        self.warnings: list[str] = []
        self.streaming = False  # set once the files read exceed hold_limit
        self.blobs: dict[Location, bytes] = {}  # the bytes held, by location
        self.files_read: dict[Location, Fingerprint | None] = {}  # every location asked for
        self.files: list[ArchiveFile] = []  # CHARX path or PNG asset key, bytes or span, CRC-32
        self._kind: dict[Location, tuple[str, int | None]] = {}  # extension, CRC-32 (when streaming)
        self._held_by_id: dict[int, Location] = {}

    def build(self) -> list[Piece]:
        """The export as pieces: bytes built from the rows, and references to the stored files."""
        character, portraits, scenes = self.snapshot.character, self.snapshot.portraits, self.snapshot.scenes
        with_extras = self.fmt == "charx" or (self.fmt == "png" and self.embed)
        wanted = [] if self.fmt == "json" else portraits if with_extras else \
            [p for p in portraits if p.is_primary][:1] or portraits[:1]
        scene_keys = {s.id: self._location(s.image_url) for s in scenes} if with_extras else {}
        reference = self._location_path(character.reference_image_path)
        sprite_keys = [(label, self._location_path(f"{USER_LIBRARY}/{key}")) for label, key in self.snapshot.sprites
                       ] if with_extras else []
        self._read_all([*(self._portrait_location(p) for p in wanted), *scene_keys.values(),
                        reference if with_extras else None, *(loc for _label, loc in sprite_keys)])
        exported = [(p, self._data(self._portrait_location(p))) for p in wanted]
        self.warnings += [f"Portrait {p.id} has no stored image; it was left out." for p, d in exported if d is None]
        present = [(p, d) for p, d in exported if d is not None]
        avatar, image = None, None
        if self.fmt == "png":
            present, image, avatar = self._png_avatar(present)
        labels = frozenset(self.snapshot.expression_labels)
        pairs = [(portrait, self._add(portrait_asset(portrait, i, labels)[0], data, _recorded_crc(portrait, data),
                                      first=self.fmt == "png" and portrait.is_primary))
                 for i, (portrait, data) in enumerate(present)]
        scene_images = {sid: self._add("background", data) for sid, loc in scene_keys.items()
                        if (data := self._data(loc)) is not None}
        ref_entry, extra = self._reference(reference, pairs)
        sprites = [(label, self._add("emotion", data)) for label, loc in sprite_keys
                   if (data := self._data(loc)) is not None]
        card = character_to_card(character, scenes, pairs, scene_images, reference=ref_entry, avatar=avatar,
                                 extra_assets=extra, sprites=sprites,
                                 expression_labels=self.snapshot.expression_labels if with_extras else ())
        if self.fmt == "json":
            return [dumps(card, pretty=True)]
        if self.fmt == "charx":
            return [self._as_piece(part, slice(0, len(part)))
                    for part in charx_parts(dumps(card), self.files, character.updated_at)]
        assert image is not None
        v3 = dumps(card)
        return [self._as_piece(image, part) if isinstance(part, slice) else part
                for part in png_card_layout(image, _v2_json(card, v3), v3, self.files)]

    # -- the stored files ------------------------------------------------------------------------

    def _read_all(self, locations: list[Location | None]) -> None:
        """Read each file once, remembering what it is; hold the bytes until ``hold_limit``."""
        unique = list(dict.fromkeys(loc for loc in locations if loc is not None))
        held = 0
        for location, data in iter_files(self.storage, unique, self.threads):
            self.files_read[location] = fingerprint(data)
            if data is None:
                continue
            self._kind[location] = (_extension(data), None)
            self._keep(location, data)
            held += len(data)
            self.streaming = self.streaming or held > self.hold_limit
            if self.streaming:
                self._let_go()
            del data  # before the next read: streaming holds one file at a time

    def _let_go(self) -> None:
        """Stream from here on: keep what each held file is (with its CRC-32), not its bytes."""
        for location, data in self.blobs.items():
            self._kind[location] = (self._kind[location][0], crc32(data))
        self.blobs.clear()
        self._held_by_id.clear()

    def _keep(self, location: Location, data: bytes) -> None:
        self.blobs[location] = data
        self._held_by_id[id(data)] = location

    def _data(self, location: Location | None) -> Data | None:
        """A file's bytes while they are held, else a span standing for them; None if it was not there."""
        known = self.files_read.get(location) if location is not None else None
        if location is None or known is None:
            return None
        held = self.blobs.get(location)
        return held if held is not None else Span(location, 0, known[0])

    def _hold(self, data: Data) -> bytes:
        """The bytes themselves (a PNG's own image is needed whole to place the chunks)."""
        if isinstance(data, bytes):
            return data
        held = read_checked(self.storage, data.location, self.files_read[data.location])
        self._keep(data.location, held)
        return held

    def _as_piece(self, data: Any, part: slice) -> Piece:
        """``data[part]`` as a piece: a span if ``data`` is a held stored file (or a span already), else bytes."""
        if isinstance(data, Span):
            return data
        location = self._held_by_id.get(id(data))
        if location is not None and self.blobs.get(location) is data:
            return Span(location, part.start, part.stop)
        return data if part == slice(0, len(data)) else bytes(data[part])

    # -- naming ----------------------------------------------------------------------------------

    def _png_avatar(self, present: list[tuple[CharacterPortrait, Data]]
                    ) -> tuple[list[tuple[CharacterPortrait, Data]], bytes, dict[str, Any] | None]:
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
        return present, _as_png(self._hold(primary[1])), None

    def _add(self, kind: str, data: Data, crc: int | None = None, *, first: bool = False) -> ExportImage:
        """Register a file for the archive (or the PNG's asset chunks) and return its asset URI."""
        if first:
            return ExportImage("ccdefault:", "png")
        if isinstance(data, Span):
            ext, computed = self._kind[data.location]
            crc = crc if crc is not None else computed
        else:
            ext = _extension(data)
        if self.fmt == "charx":
            path = f"assets/{kind}/images/{len(self.files)}.{ext}"
            self.files.append(ArchiveFile(path, data, crc))
            return ExportImage(f"embeded://{path}", ext)
        key = str(len(self.files))
        self.files.append(ArchiveFile(key, data, crc))
        return ExportImage(f"__asset:{key}", ext)

    def _reference(self, reference: Location | None, pairs: list[tuple[CharacterPortrait, ExportImage]]
                   ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        if reference is None or self.fmt == "json":
            return None, []
        for index, (portrait, _image) in enumerate(pairs):
            if reference == (USER_LIBRARY, (portrait.generation_metadata or {}).get("storage_path")):
                return {"portrait": index}, []
        if self.fmt == "png" and not self.embed:
            return None, []
        data = self._data(reference)
        if data is None:
            return None, []
        image = self._add(REFERENCE_ASSET_TYPE, data)
        return {"image": image.uri}, [{"type": REFERENCE_ASSET_TYPE, "uri": image.uri, "name": "reference",
                                       "ext": image.ext}]

    def _portrait_location(self, portrait: CharacterPortrait) -> Location | None:
        key = (portrait.generation_metadata or {}).get("storage_path")
        if isinstance(key, str) and key.startswith(f"{self.owner}/"):
            return USER_LIBRARY, key
        return self._location(portrait.image_url)

    def _location(self, url: str | None) -> Location | None:
        found = locate(url)
        return found if found and found[1].startswith(f"{self.owner}/") else None

    def _location_path(self, path: str | None) -> Location | None:
        bucket, _, key = (path or "").partition("/")
        return (bucket, key) if bucket in BUCKETS and key.startswith(f"{self.owner}/") else None


def _recorded_crc(portrait: CharacterPortrait, data: Data) -> int | None:
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
