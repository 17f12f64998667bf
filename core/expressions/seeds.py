"""The seeds of a set: stable per (set, label), so regenerating one label keeps the set's look.

SHA-256 rather than ``hash()``, which is salted per process: the seed has to survive a restart (a set
resumed after a crash) and be the same in every worker.
"""

from __future__ import annotations

import hashlib

SEED_LIMIT = 2**32


def expression_seed(set_id: str, label: str) -> int:
    """A seed in 0..2**32-1 from the set id and the label; the NUL keeps ("ab", "c") apart from ("a", "bc")."""
    digest = hashlib.sha256(f"expressions\x00{set_id}\x00{label}".encode()).digest()
    return int.from_bytes(digest[:4], "big")  # four bytes: always below SEED_LIMIT
