"""CHARX: a ZIP with ``card.json`` (a V3 card) at its root and the assets it references.

Reading is defensive, and every check runs on the central directory *before* a byte is inflated:
the member count and the total declared uncompressed size are bounded (a zip bomb is refused without
being unpacked), member names that are absolute, carry a drive letter or a ``..`` segment are refused
(nothing is ever written to disk, but such an archive is hostile or broken), and so are encrypted
members. Reads are bounded by the declared size, so a member whose header lies cannot grow.

Writing uses a small writer of its own: images go in *stored* (they are compressed already, and
deflating them again costs time for nothing), ``card.json`` is deflated, CRCs come from ISA-L when it
is there. The result is an ordinary ZIP that every unzip tool and ``zipfile`` read.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Sized
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from core.cards.codec.json_cards import decode_card
from core.cards.codec.models import CardDocument
from core.cards.errors import CardError
from core.cards.limits import CardLimits
from storage.checksum import crc32, raw_deflate

CARD_NAME = "card.json"
_DRIVE = re.compile(r"^[A-Za-z]:")
_UTF8_FLAG = 0x0800
_STORED, _DEFLATED = 0, 8
_MAX_ZIP32 = 0xFFFFFFFF
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, NotImplementedError, RuntimeError)


@dataclass
class CharxCard:
    card: CardDocument
    archive: zipfile.ZipFile
    members: dict[str, zipfile.ZipInfo]
    used: set[str] = field(default_factory=lambda: {CARD_NAME})

    def read(self, path: str) -> bytes | None:
        """A member's bytes by its exact (case-sensitive) path, or None; bounded by its declared size."""
        info = self.members.get(path)
        if info is None or info.is_dir():
            return None
        self.used.add(path)
        try:
            with self.archive.open(info) as handle:
                data = handle.read(info.file_size + 1)
        except _READ_ERRORS as exc:
            raise CardError(f"The archive member '{path}' cannot be read ({exc}).", "bad_zip") from None
        if len(data) != info.file_size:
            raise CardError(f"The archive member '{path}' is not the size its header says.", "bad_zip")
        return data

    def unused(self) -> list[str]:
        """Files no asset of the card pointed at (another tool's data, such as RisuAI's module.risum)."""
        return sorted(name for name, info in self.members.items() if not info.is_dir() and name not in self.used)


def is_zip(raw: bytes) -> bool:
    return raw[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def read_charx(raw: bytes, limits: CardLimits) -> CharxCard:
    """Open and check a CHARX, then parse its ``card.json``; assets are read later, on demand."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise CardError(f"This is not a readable ZIP/CHARX archive ({exc}).", "bad_zip") from None
    check_members(infos, limits)
    members = {info.filename: info for info in infos}
    if CARD_NAME not in members:
        raise CardError("This ZIP has no card.json at its root, so it is not a CHARX character card.", "not_a_card")
    return CharxCard(_card(archive, members, limits), archive, members)


def check_members(infos: list[zipfile.ZipInfo], limits: CardLimits) -> None:
    """Refuse too many members, too much declared content, unsafe names and encryption - before reading."""
    if len(infos) > limits.max_zip_members:
        raise CardError(f"The archive has {len(infos):,} files; at most {limits.max_zip_members:,} are allowed.",
                        "zip_bomb")
    total = 0
    for info in infos:
        _check_name(info.filename)
        if info.flag_bits & 0x1:
            raise CardError(f"The archive member '{info.filename}' is encrypted; encrypted CHARX files are "
                            "not supported.", "unsupported")
        total += info.file_size
        if total > limits.max_zip_uncompressed_bytes:
            raise CardError(f"The archive unpacks to more than {limits.max_zip_uncompressed_bytes / 2**20:.0f} MB; "
                            "it is refused without being unpacked.", "zip_bomb")


def _check_name(name: str) -> None:
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or _DRIVE.match(normalised) or "\x00" in normalised:
        raise CardError(f"The archive member '{name[:80]}' has an absolute path.", "unsafe_path")
    if ".." in normalised.split("/"):
        raise CardError(f"The archive member '{name[:80]}' has a '..' in its path.", "unsafe_path")


def _card(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], limits: CardLimits) -> CardDocument:
    info = members[CARD_NAME]
    if info.file_size > limits.max_json_bytes:
        raise CardError(f"card.json is {info.file_size:,} bytes; the limit is {limits.max_json_bytes:,}.", "too_large")
    try:
        with archive.open(info) as handle:
            raw = handle.read(info.file_size + 1)
    except _READ_ERRORS as exc:
        raise CardError(f"card.json cannot be read from the archive ({exc}).", "bad_zip") from None
    return decode_card(raw[:info.file_size], limits, "card.json")


class ArchiveFile(NamedTuple):
    """One stored member: its path, bytes and, when the bytes were checksummed as they were stored,
    that CRC-32 (see :mod:`storage.checksum`; ``None`` means compute it now).

    ``data`` may also be a reference with a length (a stored file the caller streams later); it is
    then placed among the pieces as it is, and its CRC must be given.
    """

    path: str
    data: bytes | Sized
    crc32: int | None = None


def write_charx(card_json: bytes, files: Iterable[tuple[str, bytes]], when: datetime | None = None) -> bytes:
    """A CHARX: ``card.json`` (deflated) then each ``(path, bytes)`` stored, with one central directory."""
    return b"".join(charx_parts(card_json, files, when))


def charx_parts(card_json: bytes, files: Iterable[tuple[str, bytes] | ArchiveFile],
                when: datetime | None = None) -> list[Any]:
    """:func:`write_charx` as a list of pieces (the file bytes, or the references standing for them,
    among them), for streaming a large archive without joining it into one more copy."""
    stamp = _dos_time(when or datetime(1980, 1, 1))
    parts: list[Any] = []
    central: list[bytes] = []
    offset = 0
    entries = [(CARD_NAME, card_json, _DEFLATED, None),
               *((file.path, file.data, _STORED, file.crc32) for file in (ArchiveFile(*f) for f in files))]
    for name, data, method, known_crc in entries:
        _check_name(name)
        encoded_name = name.encode()
        if known_crc is None and not isinstance(data, bytes | memoryview):
            raise ValueError(f"{name}: a member given by reference needs its CRC-32")
        crc = crc32(data) if known_crc is None else known_crc  # type: ignore[arg-type]
        body = raw_deflate(data) if method == _DEFLATED else data  # type: ignore[arg-type]
        if len(data) > _MAX_ZIP32 or offset > _MAX_ZIP32:
            raise ValueError("CHARX export larger than 4 GB")
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, _UTF8_FLAG, method, stamp[0], stamp[1], crc,
                             len(body), len(data), len(encoded_name), 0)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 20, 20, _UTF8_FLAG, method,
                                   stamp[0], stamp[1], crc, len(body), len(data), len(encoded_name), 0, 0, 0, 0,
                                   0o100644 << 16, offset) + encoded_name)
        parts.extend((header, encoded_name, body))
        offset += len(header) + len(encoded_name) + len(body)
    directory = b"".join(central)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(directory), offset, 0)
    return [*parts, directory, end]


def _dos_time(when: datetime) -> tuple[int, int]:
    year = min(max(when.year, 1980), 2107)
    return ((when.hour << 11) | (when.minute << 5) | (when.second // 2),
            ((year - 1980) << 9) | (when.month << 5) | when.day)
