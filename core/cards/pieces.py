"""The pieces an exported card file is made of, and how they become bytes.

An export is a sequence of pieces: bytes built from the rows (card chunks, ZIP headers, the central
directory), :class:`Span` s of stored files (the images, copied as they are) and, in a PNG that
carries other portraits, :class:`~core.cards.codec.png_chunks.Base64TextChunk` s whose text is the base64
of a stored file. Keeping the stored parts as references is what lets an export be streamed without
holding every image at once (:func:`stream`): a character with a thousand portraits is
gigabyte-sized as one CHARX.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

from core.cards.codec.png_chunks import Base64TextChunk
from storage.base import ObjectNotFound, Storage, StorageError

Location = tuple[str, str]  # (bucket, key)
Fingerprint = tuple[int, bytes, bytes]  # size, first and last bytes
_EDGE = 64
_READ_BATCH = 8  # remote reads in flight at once


@dataclass(frozen=True, slots=True)
class Span:
    """Bytes ``start:stop`` of the stored file at ``location``."""

    location: Location
    start: int
    stop: int

    def __len__(self) -> int:
        return self.stop - self.start


Piece = bytes | Span | Base64TextChunk


class StoredFileChanged(StorageError):
    """A stored file is no longer the one the export was laid out around (mid-stream: the download
    is cut rather than finished with wrong bytes)."""


def fingerprint(data: bytes | None) -> Fingerprint | None:
    """What tells a stored file from another of the same name: its size and its edges (for a PNG the
    header with its dimensions, and the end of the compressed stream with its checksum)."""
    if data is None:
        return None
    return len(data), bytes(data[:_EDGE]), bytes(data[-_EDGE:])


def piece_length(piece: Piece) -> int:
    return piece.length if isinstance(piece, Base64TextChunk) else len(piece)


def materialize(pieces: Sequence[Piece], blobs: Mapping[Location, bytes]) -> list[bytes | memoryview]:
    """The file as pieces in memory, from files already read: spans become views of their bytes."""
    return [_resolve(piece, blobs[_location(piece)]) if not isinstance(piece, bytes) else piece for piece in pieces]


def stream(pieces: Sequence[Piece], storage: Storage, expected: Mapping[Location, Fingerprint | None],
           held: Mapping[Location, bytes]) -> Iterator[bytes | memoryview]:
    """The file piece by piece, reading each stored file when it is reached and letting it go after:
    memory stays near the largest single file. ``held`` files are used as they are; every other file
    must still match ``expected``, or :class:`StoredFileChanged` cuts the stream."""
    current: tuple[Location, bytes] | None = None
    for piece in pieces:
        if isinstance(piece, bytes):
            yield piece
            continue
        location = _location(piece)
        data = held.get(location)
        if data is None:
            if current is None or current[0] != location:
                current = None  # let the previous file go before reading the next one
                current = (location, read_checked(storage, location, expected.get(location)))
            data = current[1]
        yield _resolve(piece, data)
        data = None  # not kept alive while the next file is read


def read_files(storage: Storage, locations: Sequence[Location], threads: Executor | None = None
               ) -> dict[Location, bytes]:
    """The stored bytes of each location; missing or unreadable ones are absent."""
    return {loc: data for loc, data in iter_files(storage, locations, threads) if data is not None}


def iter_files(storage: Storage, locations: Sequence[Location], threads: Executor | None = None
               ) -> Iterator[tuple[Location, bytes | None]]:
    """Each location with its stored bytes (None: missing or unreadable), in order.

    Local files are read one after another (from the page cache that is faster than any thread
    hand-off); a remote backend's reads overlap on a shared pool, since each one waits on the
    network, a batch at a time, so a consumer that lets each file go holds at most one batch.
    ``threads`` is the context's I/O pool (``ctx.workers.threads``); without one every read is serial.
    """
    if len(locations) <= 1 or storage.has_local_files or threads is None:
        for location in locations:
            yield location, read_file(storage, location)
        return
    for start in range(0, len(locations), _READ_BATCH):
        batch = locations[start:start + _READ_BATCH]
        yield from zip(batch, threads.map(lambda loc: read_file(storage, loc), batch), strict=True)


def read_file(storage: Storage, location: Location) -> bytes | None:
    try:
        return storage.get(*location)
    except (ObjectNotFound, StorageError, ValueError):
        return None


def read_checked(storage: Storage, location: Location, expected: Fingerprint | None) -> bytes:
    """The stored bytes, which must still be the file ``expected`` describes (else :class:`StoredFileChanged`)."""
    data = read_file(storage, location)
    if data is None or fingerprint(data) != expected:
        raise StoredFileChanged(f"{location[0]}/{location[1]} changed while it was being exported")
    return data


def _location(piece: Span | Base64TextChunk) -> Location:
    span = piece.source if isinstance(piece, Base64TextChunk) else piece
    assert isinstance(span, Span)
    return span.location


def _resolve(piece: Span | Base64TextChunk, data: bytes) -> bytes | memoryview:
    if isinstance(piece, Base64TextChunk):
        span = piece.source
        assert isinstance(span, Span)
        return piece.render(memoryview(data)[span.start:span.stop])
    if piece.start == 0 and piece.stop == len(data):
        return data
    return memoryview(data)[piece.start:piece.stop]
