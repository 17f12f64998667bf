"""Character card benchmarks (issue 7): import and export of a 2 MB PNG card and of a CHARX with 20 portraits.

* **export** is compared with reading the same stored image files once through the storage backend
  (what any export must do at least); target: under 2x, with the files in the page cache (``ratio``)
  and with them evicted first (``ratio_from_disk``). Every export is built from scratch (there is no
  layout cache since issue 12): the ownership check and the three queries (``load_snapshot_ms``), every
  file read, the card JSON, the chunk insertion (PNG) or the archive (CHARX, images stored, CRCs
  recorded), ending with the file as the list of pieces the HTTP response streams (joining them would
  be one more copy). ``export_without_db_ms`` is the same build without loading the rows.
* The ``*_from_disk`` figures evict the image files from the page cache first (``posix_fadvise``
  DONTNEED), as for a gallery that is not hot in memory: the export against reading the same files
  from disk.
* **import** is split into parse (format detection, limits, JSON, unzipping, mapping), gate (every
  image decoded, checked, re-encoded, thumbnailed in the worker processes), store and database; the
  target is that parsing is a small share of the gate's time (imports are dominated by the gate).

Images are photo-like (gradient under blurred noise) so they compress like photographs. SQLite and
local storage in a temporary directory; medians of interleaved repeats; the workers are warmed first.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import statistics
import time
import zipfile
from typing import Any

from bench.bench_images import photo_like
from bench.common import bench_context, target
from core import auth
from core.cards.export import export_card_sync, load_snapshot
from core.cards.importer import import_card
from core.cards.layout import CardLayout
from core.cards.pieces import materialize
from core.context import Context
from core.models import User
from core.portraits import list_portraits
from storage.base import USER_LIBRARY

EXPORT_TARGET = 2.0
PARSE_SHARE_TARGET = 0.25
PORTRAITS = 20


def _png(width: int, height: int, blur: float = 2.0) -> bytes:
    out = io.BytesIO()
    photo_like(width, height, blur).save(out, "PNG", compress_level=6)
    return out.getvalue()


def _card(name: str, assets: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    book = {"extensions": {}, "entries": [{"keys": [f"k{i}"], "content": f"Entry {i}. " * 20, "extensions": {},
                                           "enabled": True, "insertion_order": i} for i in range(50)]}
    data = {"name": name, "description": "A benchmark character. " * 40, "personality": "steady",
            "scenario": "A quiet room.", "first_mes": "Hello.", "mes_example": "<START>\n{{char}}: Hi.",
            "alternate_greetings": ["Hi"], "character_book": book, "tags": ["bench"], "creator": "bench",
            "extensions": {"depth_prompt": {"prompt": "x", "depth": 4}}}
    if assets is not None:
        data["assets"] = assets
    return {"spec": "chara_card_v3", "spec_version": "3.0", "data": data}


def png_card() -> bytes:
    """A ~2 MB PNG card (1280 px photo-like image) with a V2 and a V3 chunk, as SillyTavern writes one."""
    from core.cards.codec.json_cards import dumps
    from core.cards.codec.png_chunks import write_png_card

    card = _card("Big PNG")
    return write_png_card(_png(1280, 1280, 1.1), dumps({**card, "spec": "chara_card_v2"}), dumps(card))


def charx_card(count: int = PORTRAITS) -> bytes:
    """A CHARX with ``count`` icon assets (768 px photo-like PNGs, ~0.8 MB each), the first one ``main``."""
    files = {f"assets/icon/images/{i}.png": _png(768, 768, 1.0 + i / 50) for i in range(count)}
    assets = [{"type": "icon", "uri": f"embeded://{path}", "name": "main" if i == 0 else f"p{i}", "ext": "png"}
              for i, path in enumerate(files)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("card.json", json.dumps(_card("Twenty", assets)), compress_type=zipfile.ZIP_DEFLATED)
        for path, data in files.items():
            archive.writestr(path, data, compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


async def _imports(ctx: Context, owner: User, raw: bytes, repeats: int) -> tuple[str, dict[str, float]]:
    await import_card(ctx, owner, raw)  # warm the pool and the caches
    samples: dict[str, list[float]] = {}
    character_id = ""
    for _ in range(repeats):
        result = await import_card(ctx, owner, raw)
        character_id = result.character.id
        for key, value in result.timings.items():
            samples.setdefault(key, []).append(value)
    medians = {key.removesuffix("_s") + "_ms": round(statistics.median(v) * 1000, 1) for key, v in samples.items()}
    medians["parse_share_of_gate"] = round(medians["parse_ms"] / medians["gate_ms"], 3)
    return character_id, medians


def _exports(ctx: Context, owner: User, character_id: str, fmt: str, repeats: int) -> dict[str, float]:
    keys = [p.generation_metadata["storage_path"] for p in list_portraits(ctx, owner, character_id, limit=200)]
    if fmt == "png":
        keys = keys[:1]
    hold_limit, threads = ctx.settings.export_hold_bytes, ctx.workers.threads

    def read_once() -> None:
        for key in keys:
            ctx.storage.get(USER_LIBRARY, key)

    snapshot = load_snapshot(ctx, owner, character_id)  # the rows, for the without-database figure

    def load_rows() -> None:
        load_snapshot(ctx, owner, character_id)

    def build_only() -> None:
        layout = CardLayout(ctx.storage, snapshot, fmt, True, hold_limit=hold_limit, threads=threads)
        materialize(layout.build(), layout.blobs)

    def export() -> None:
        export_card_sync(ctx, owner, character_id, fmt)

    def evict() -> None:  # the files leave the page cache: the next read comes from the disk
        for key in keys:
            _evict(ctx.storage._path(USER_LIBRARY, key))  # type: ignore[attr-defined]

    exported = export_card_sync(ctx, owner, character_id, fmt)  # warm
    assert not exported.streamed
    read_once()
    samples: dict[str, list[float]] = {k: [] for k in ("export", "read", "rows", "build", "read_disk", "export_disk")}
    in_memory = ((export, "export"), (read_once, "read"), (load_rows, "rows"), (build_only, "build"))
    from_disk = ((evict, None), (read_once, "read_disk"), (evict, None), (export, "export_disk"))
    for steps in (in_memory, from_disk):  # one phase after the other: a disk read leaves the next reads cold
        for _ in range(repeats):
            for fn, sink in steps:
                start = time.perf_counter()
                fn()
                if sink:
                    samples[sink].append(time.perf_counter() - start)
    ms = {key: statistics.median(values) * 1000 for key, values in samples.items()}
    return {"export_ms": round(ms["export"], 2), "read_files_once_ms": round(ms["read"], 2), "files": len(keys),
            "ratio": round(ms["export"] / ms["read"], 3),
            "export_from_disk_ms": round(ms["export_disk"], 2),
            "read_files_once_from_disk_ms": round(ms["read_disk"], 2),
            "ratio_from_disk": round(ms["export_disk"] / ms["read_disk"], 3),
            "load_snapshot_ms": round(ms["rows"], 2),
            "export_without_db_ms": round(ms["build"], 2), "ratio_without_db": round(ms["build"] / ms["read"], 3),
            "export_mb": round(exported.size / 2**20, 2)}


def _evict(path: os.PathLike[str]) -> None:
    """Drop a file's pages from the page cache (written back first, or dirty pages would stay)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def run() -> dict[str, Any]:
    png, charx = png_card(), charx_card()
    figures: dict[str, Any] = {}
    with bench_context("sqlite") as ctx:
        try:
            owner = auth.create_user(ctx.db, "bench@example.com", "correct horse battery")
            png_id, png_import = asyncio.run(_imports(ctx, owner, png, 5))
            charx_id, charx_import = asyncio.run(_imports(ctx, owner, charx, 3))
            figures["png_card_2mb"] = {"card_mb": round(len(png) / 2**20, 2), "import": png_import,
                                       "export": _exports(ctx, owner, png_id, "png", 31)}
            figures["charx_20_portraits"] = {"card_mb": round(len(charx) / 2**20, 2), "import": charx_import,
                                             "export": _exports(ctx, owner, charx_id, "charx", 15)}
        finally:
            ctx.workers.stop()
    png_export, charx_export = figures["png_card_2mb"]["export"], figures["charx_20_portraits"]["export"]
    targets = [
        target("PNG card export vs reading its image once, page cache (ratio)", png_export["ratio"], "<",
               EXPORT_TARGET),
        target("CHARX (20 portraits) export vs reading the 20 images once, page cache (ratio)",
               charx_export["ratio"], "<", EXPORT_TARGET),
        target("PNG card export vs reading its image once, from disk (ratio)", png_export["ratio_from_disk"], "<",
               EXPORT_TARGET),
        target("CHARX export vs reading the 20 images once, from disk (ratio)", charx_export["ratio_from_disk"], "<",
               EXPORT_TARGET),
        target("PNG card import: parse time / gate time", png_import["parse_share_of_gate"], "<", PARSE_SHARE_TARGET),
        target("CHARX import: parse time / gate time", charx_import["parse_share_of_gate"], "<", PARSE_SHARE_TARGET),
    ]
    return {"figures": figures, "targets": targets}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
