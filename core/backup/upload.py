"""A restore archive arriving over HTTP: spooled to a private temporary file, then restored.

The API route and the admin page both receive the archive as a raw request body; this is the one
place that turns such a stream into a restore, so neither holds the archive in memory and both
apply the same rule (the instance must be empty, checked before the first byte is read).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterable
from pathlib import Path
from typing import BinaryIO

from core.backup.restore import RestoreSummary, require_empty, restore_backup
from core.context import Context

WRITE_EVERY = 1024 * 1024  # body chunks are gathered to about this much per write (one thread trip each)


async def restore_upload(ctx: Context, chunks: AsyncIterable[bytes], actor_id: str) -> RestoreSummary:
    """Refuse at once unless the instance is empty; else spool ``chunks`` and restore them."""
    await asyncio.to_thread(_require_empty, ctx, actor_id)
    path = await spool(chunks, ctx.settings.data_dir)
    try:
        return await asyncio.to_thread(restore_backup, ctx.db, ctx.storage, path, actor_id=actor_id)
    finally:
        await asyncio.to_thread(_discard, path)


async def spool(chunks: AsyncIterable[bytes], directory: Path) -> Path:
    """The stream in a 0600 temporary file under ``directory``, written in chunks of about a megabyte."""
    handle, path = await asyncio.to_thread(_temp_file, directory)
    try:
        with handle:
            pending: list[bytes] = []
            held = 0
            async for chunk in chunks:
                pending.append(chunk)
                held += len(chunk)
                if held >= WRITE_EVERY:
                    await asyncio.to_thread(handle.write, b"".join(pending))
                    pending, held = [], 0
            await asyncio.to_thread(handle.write, b"".join(pending))
    except BaseException:
        await asyncio.to_thread(_discard, path)
        raise
    return path


def _require_empty(ctx: Context, actor_id: str) -> None:
    with ctx.db.read() as session:
        require_empty(session.connection(), ctx.storage, actor_id)


def _temp_file(directory: Path) -> tuple[BinaryIO, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".restore-upload-", suffix=".tar", dir=directory)  # 0600
    return os.fdopen(fd, "wb"), Path(name)


def _discard(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
