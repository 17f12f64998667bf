"""The archive format: a plain (uncompressed) POSIX tar, written by a generator, read as a stream.

Why tar and not zip: a tar member is a 512-byte header that needs only the name and the size, then
the bytes. A generator can therefore emit a member the moment it knows its size, on a stream that
cannot seek (an HTTP response, a pipe), and a reader can check it front to back in one pass. A zip
written to a non-seekable stream needs data descriptors after each member, and zip readers start from
the central directory at the end, so reading needs a seekable file. Images are compressed already and
JSON rows are small next to them, so the archive is not compressed: any tool (``tar tvf``) opens it.

Members are written in chunks of :data:`CHUNK` bytes and their SHA-256 computed on the way; reading
hashes chunk by chunk too, so neither side ever holds a member it does not have to.
"""

from __future__ import annotations

import hashlib
import tarfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from core.backup.errors import BackupRefused
from core.backup.manifest import Entry

BLOCK = tarfile.BLOCKSIZE
CHUNK = 256 * 1024
END = b"\0" * (2 * BLOCK)


class TarWriter:
    """Emits tar members as bytes and remembers each one's size and SHA-256 for the manifest."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self._mtime = int(time.time())

    def member(self, name: str, data: bytes, *, rows: int | None = None,
               content_type: str | None = None) -> Iterator[bytes]:
        """One member from bytes already in hand, emitted in chunks."""
        view = memoryview(data)
        yield from self.member_chunks(name, len(data), (bytes(view[i:i + CHUNK]) for i in range(0, len(data), CHUNK)),
                                      rows=rows, content_type=content_type)

    def member_chunks(self, name: str, size: int, chunks: Iterable[bytes], *, rows: int | None = None,
                      content_type: str | None = None) -> Iterator[bytes]:
        """One member whose size is known up front and whose bytes arrive in chunks."""
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode, info.type = size, self._mtime, 0o600, tarfile.REGTYPE
        yield info.tobuf(format=tarfile.PAX_FORMAT, encoding="utf-8", errors="strict")
        digest, written = hashlib.sha256(), 0
        for chunk in chunks:
            digest.update(chunk)
            written += len(chunk)
            yield chunk
        if written != size:
            raise RuntimeError(f"{name}: {written} bytes written, {size} announced")
        yield b"\0" * (-size % BLOCK)
        self.entries.append(Entry(name, size, digest.hexdigest(), rows, content_type))

    @staticmethod
    def end() -> bytes:
        return END


def coalesce(pieces: Iterable[bytes], size: int = CHUNK) -> Iterator[bytes]:
    """Join small pieces (headers, padding, short rows) into chunks of about ``size`` bytes, so a
    streamed response makes one write, and one trip to its worker thread, per chunk, not per header."""
    buffer: list[bytes] = []
    held = 0
    for piece in pieces:
        if not piece:
            continue
        buffer.append(piece)
        held += len(piece)
        if held >= size:
            yield b"".join(buffer)
            buffer, held = [], 0
    if buffer:
        yield b"".join(buffer)


class Member:
    """One member being read: its bytes come in chunks, hashed on the way; read it to the end."""

    def __init__(self, info: tarfile.TarInfo, handle: BinaryIO) -> None:
        self.name = info.name
        self.size = info.size
        self._handle = handle
        self._digest = hashlib.sha256()
        self._read = 0

    def chunks(self) -> Iterator[bytes]:
        while True:
            try:
                chunk = self._handle.read(CHUNK)
            except (tarfile.TarError, EOFError, OSError) as exc:
                raise BackupRefused(f"The archive is truncated: {self.name} ends early ({exc})") from exc
            if not chunk:
                break
            self._digest.update(chunk)
            self._read += len(chunk)
            yield chunk
        if self._read != self.size:
            raise BackupRefused(f"The archive is truncated: {self.name} ends after {self._read} of {self.size} bytes")

    def read_all(self, limit: int) -> bytes:
        if self.size > limit:
            raise BackupRefused(f"{self.name} is {self.size} bytes, more than the {limit} a backup allows there")
        return b"".join(self.chunks())

    def lines(self, limit: int) -> Iterator[bytes]:
        """The member's lines (without their newline), none longer than ``limit`` bytes."""
        rest = b""
        for chunk in self.chunks():
            rest += chunk
            *complete, rest = rest.split(b"\n")
            yield from complete
            if len(rest) > limit:
                raise BackupRefused(f"{self.name} has a line longer than {limit} bytes")
        if rest:
            yield rest

    def drain(self) -> None:
        for _ in self.chunks():
            pass

    def entry(self, rows: int | None = None) -> Entry:
        return Entry(self.name, self._read, self._digest.hexdigest(), rows)


def read_members(path: Path) -> Iterator[Member]:
    """Every member of the archive at ``path``, in order; the caller reads each (or drains it) before the next.

    Refuses what a backup never holds: links, directories, devices, and any bytes but zeros after the
    tar's end (tar readers stop there, so an entry hidden past it would go unseen).
    """
    with path.open("rb") as raw:
        try:
            with tarfile.open(fileobj=raw, mode="r|", errorlevel=2) as tar:
                for info in tar:
                    if not info.isreg():
                        raise BackupRefused(f"{info.name} is not a regular file; a backup holds only files")
                    handle = tar.extractfile(info)
                    assert handle is not None  # regular files always have one
                    member = Member(info, handle)
                    yield member
                    member.drain()
                end_offset = tar.offset
        except (tarfile.TarError, EOFError) as exc:
            raise BackupRefused(f"The archive is truncated or is not a tar archive ({exc})") from exc
        _check_zero_tail(raw, end_offset)


def _check_zero_tail(raw: BinaryIO, offset: int) -> None:
    """After the last member come at least the two zero blocks that end a tar, and nothing but zeros:
    tar readers accept an archive cut anywhere in those blocks, a backup does not."""
    raw.seek(offset)
    zeros = 0
    while chunk := raw.read(CHUNK):
        if chunk.strip(b"\0"):
            raise BackupRefused("The archive has data after its end: it was altered")
        zeros += len(chunk)
    if zeros < len(END):
        raise BackupRefused("The archive is truncated: its end-of-archive marker is missing or cut short")
