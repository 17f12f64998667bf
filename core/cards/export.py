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

In a CHARX and in a PNG with ``embed_assets``, the expression set's chosen image of each label is an
``emotion`` asset named after the label (what RisuAI and V3 readers show as sprites). Only the
owner's export carries the set: it is working material, not part of what a public character shows.

Only the owner's stored files are read: a scene image URL that is not one of the owner's stored
objects is written as a link in the studio extension (if it is a web address), never fetched.

:mod:`core.cards.layout` decides what goes in; an export whose images pass ``hold_limit`` bytes is
streamed, one stored file at a time (:mod:`core.cards.pieces`).
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import quote

import sqlalchemy as sa

from core.auth import may_read
from core.cards.layout import CardLayout, Snapshot
from core.cards.pieces import materialize, piece_length, stream
from core.context import Context
from core.errors import NotFound, ValidationError
from core.models import (
    Character,
    CharacterPortrait,
    CharacterScene,
    ExpressionImage,
    ExpressionLabel,
    ExpressionSet,
    User,
)
from core.portraits import GALLERY_ORDER

EXPORT_FORMATS = ("png", "json", "charx")
MEDIA_TYPES = {"png": "image/png", "json": "application/json", "charx": "application/zip"}
_UNSAFE = re.compile(r"[^\w .()\-]+")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


@dataclass
class ExportedCard:
    """The file: its name, type, size and content. A small export holds its pieces (``parts``: what
    an HTTP response streams without copying the images again); a large one has ``parts=None`` and
    reads each stored file only when :meth:`stream` reaches it."""

    filename: str
    media_type: str
    parts: list[bytes | memoryview] | None
    size: int
    warnings: list[str] = field(default_factory=list)
    _source: Callable[[], Iterator[bytes | memoryview]] | None = field(default=None, repr=False)

    @property
    def streamed(self) -> bool:
        return self.parts is None

    def stream(self) -> Iterator[bytes | memoryview]:
        """The content piece by piece (blocking reads for a streamed export: iterate off the event loop)."""
        if self.parts is not None:
            return iter(self.parts)
        assert self._source is not None
        return self._source()

    @cached_property
    def data(self) -> bytes:
        """The whole file as one bytes object (for callers that need it whole, such as tests)."""
        return b"".join(self.stream())


async def export_card(ctx: Context, actor: User, character_id: str, fmt: str = "png", *,
                      embed_assets: bool = True, hold_limit: int | None = None) -> ExportedCard:
    """The card file of a character the actor may read; the work runs in a thread.

    ``hold_limit`` (default: the ``export_hold_bytes`` setting) is how many image bytes it may hold;
    a larger export is streamed (:attr:`ExportedCard.streamed`).
    """
    if fmt not in EXPORT_FORMATS:
        raise ValidationError({"format": f"Format must be one of: {', '.join(EXPORT_FORMATS)}"})
    return await asyncio.to_thread(export_card_sync, ctx, actor, character_id, fmt, embed_assets=embed_assets,
                                   hold_limit=hold_limit)


def export_card_sync(ctx: Context, actor: User, character_id: str, fmt: str = "png", *,
                     embed_assets: bool = True, hold_limit: int | None = None) -> ExportedCard:
    """:func:`export_card` for callers already off the event loop (benchmarks, scripts)."""
    limit = ctx.settings.export_hold_bytes if hold_limit is None else hold_limit
    snapshot = load_snapshot(ctx, actor, character_id)
    layout = CardLayout(ctx.storage, snapshot, fmt, embed_assets, hold_limit=limit, threads=ctx.workers.threads)
    pieces = layout.build()
    character = snapshot.character
    filename = safe_filename(character.name, fmt)
    size = sum(piece_length(piece) for piece in pieces)
    if layout.streaming:  # too large to hold or to cache: read each file again as the download goes
        expected, held = dict(layout.files_read), dict(layout.blobs)
        return ExportedCard(filename, MEDIA_TYPES[fmt], None, size, layout.warnings,
                            lambda: stream(pieces, ctx.storage, expected, held))
    return ExportedCard(filename, MEDIA_TYPES[fmt], materialize(pieces, layout.blobs), size, layout.warnings)


def content_disposition(filename: str) -> str:
    """An attachment header every browser reads: an ASCII fallback plus the UTF-8 name (RFC 6266/5987)."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def safe_filename(name: str, suffix: str) -> str:
    """The character's name as a file name any OS accepts: letters, digits, spaces and ``._-()``."""
    base = _UNSAFE.sub("_", unicodedata.normalize("NFKC", name))
    base = re.sub(r"_{2,}", "_", base).strip(" ._")[:80].rstrip(" .") or "character"
    if base.lower() in _RESERVED:
        base += "_"
    return f"{base}.{suffix}"


def load_snapshot(ctx: Context, actor: User, character_id: str) -> Snapshot:
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
        labels, sprites = _sprites(conn, character_id) if actor.id == found.user_id else ([], [])
    return Snapshot(Character.model_construct(**found._mapping),
                    [CharacterPortrait.model_construct(**row._mapping) for row in portraits],
                    [CharacterScene.model_construct(**row._mapping) for row in scenes], labels, sprites)


def _sprites(conn: sa.Connection, character_id: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The set's labels and (label, stored key) of each label's chosen image, in the set's order."""
    found = conn.execute(_SET, {"id": character_id}).first()
    if found is None:
        return [], []
    chosen = {label: key for label, key in conn.execute(_CHOSEN, {"set_id": found.id}) if key}
    labels = [label for label in found.labels or [] if isinstance(label, str)]
    return labels, [(label, chosen[label]) for label in labels if label in chosen]


_character_table = Character.__table__  # type: ignore[attr-defined]
_portrait_table = CharacterPortrait.__table__  # type: ignore[attr-defined]
_scene_table = CharacterScene.__table__  # type: ignore[attr-defined]
_CHARACTER = sa.select(_character_table).where(_character_table.c.id == sa.bindparam("id"))
_PORTRAITS = (sa.select(_portrait_table).where(_portrait_table.c.character_id == sa.bindparam("id"))
              .order_by(*GALLERY_ORDER))
_SCENES = (sa.select(_scene_table).where(_scene_table.c.character_id == sa.bindparam("id"))
           .order_by(_scene_table.c.priority.desc(), _scene_table.c.created_at, _scene_table.c.id))
_set_table = ExpressionSet.__table__  # type: ignore[attr-defined]
_label_table = ExpressionLabel.__table__  # type: ignore[attr-defined]
_image_table = ExpressionImage.__table__  # type: ignore[attr-defined]
_SET = sa.select(_set_table.c.id, _set_table.c.labels).where(_set_table.c.character_id == sa.bindparam("id"))
_CHOSEN = (sa.select(_label_table.c.label, _image_table.c.storage_path)
           .select_from(_label_table.join(_image_table, _image_table.c.id == _label_table.c.chosen_image_id))
           .where(_label_table.c.set_id == sa.bindparam("set_id")))
