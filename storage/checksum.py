"""CRC-32 and raw DEFLATE for archives of stored files (ISA-L when present, else zlib).

CRC-32s are recorded when a file is stored, so an archive of it need not pass over it twice.

ZIP members carry the CRC-32 of their bytes. Computing it at export is a second full pass over every
image (about as long as reading them); computing it once when the image is stored, in the worker
that already holds the bytes, takes that pass off every export. A recorded value also makes the
archive check the file against what was stored: bytes that changed since show up as a CRC error in
the reader instead of being silently blessed with a fresh checksum.
"""

from __future__ import annotations

import zlib
from types import ModuleType

_crc_module: ModuleType
try:  # ISA-L's CRC-32 is ~4x zlib's
    from isal import isal_zlib as _crc_module
except ImportError:  # pragma: no cover
    _crc_module = zlib


def crc32(data: bytes | memoryview) -> int:
    """The unsigned CRC-32 of ``data`` (the ZIP/PNG polynomial)."""
    return _crc_module.crc32(data) & 0xFFFFFFFF


def raw_deflate(data: bytes) -> bytes:
    """``data`` as a raw DEFLATE stream (a ZIP member's body), by ISA-L when present: ~8x zlib's
    level 6 for a card's JSON, within 1 % of its size."""
    compressor = _crc_module.compressobj(2 if _crc_module is not zlib else 6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()
