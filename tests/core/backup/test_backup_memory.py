"""A large gallery streams through backup and restore: memory holds a batch and one file, never the whole."""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core import portraits
from core.backup import backup_stream, restore_backup
from core.context import Context
from core.seed import seed_database
from storage.base import USER_LIBRARY, portrait_key
from tests.support.backups import fresh_sqlite, instance, stored_files
from tests.support.factories import make_character, make_user

FILES = 48
FILE_BYTES = 512 * 1024  # 24 MB of images in all


def _peak(work: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_backup_and_restore_of_a_large_gallery_stay_far_below_its_size(ctx: Context, sqlite_template: Path,
                                                                       tmp_path: Path) -> None:
    seed_database(ctx.db)
    owner = make_user(ctx.db)
    character = make_character(ctx, owner)
    for n in range(FILES):
        key = portrait_key(owner.id, character.id, f"big-{n}")
        ctx.storage.put(USER_LIBRARY, key, os.urandom(FILE_BYTES), "image/png")
        portraits.add_portrait(ctx, owner, character.id, image_url=ctx.storage.signed_url(USER_LIBRARY, key))
    archive = tmp_path / "backup.tar"

    def backup() -> None:
        with archive.open("wb") as out:
            for chunk in backup_stream(ctx.db, ctx.storage):
                out.write(chunk)

    total = FILES * FILE_BYTES
    backup_peak = _peak(backup)
    assert archive.stat().st_size > total
    target = instance(fresh_sqlite(sqlite_template, tmp_path / "fresh"), tmp_path / "fresh")
    try:
        restore_peak = _peak(lambda: restore_backup(target.db, target.storage, archive))
        assert stored_files(target.storage) == stored_files(ctx.storage)
    finally:
        target.db.dispose()
    # One file and a chunk or two in memory at a time: a few MB, against 24 MB of gallery.
    assert backup_peak < total / 6, f"backup peaked at {backup_peak / 1e6:.1f} MB"
    assert restore_peak < total / 6, f"restore peaked at {restore_peak / 1e6:.1f} MB"
    print(f"gallery {total / 1e6:.1f} MB: backup peak {backup_peak / 1e6:.2f} MB, restore {restore_peak / 1e6:.2f} MB")
