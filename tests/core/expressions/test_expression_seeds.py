"""Set seeds: stable across calls and processes, different per label and per set, in 0..2**32-1."""

from __future__ import annotations

import os
import subprocess
import sys

from core.expressions.labels import SILLYTAVERN
from core.expressions.seeds import expression_seed


def test_same_set_and_label_give_the_same_seed_in_range() -> None:
    seed = expression_seed("set-1", "joy")
    assert seed == expression_seed("set-1", "joy")
    assert 0 <= seed < 2**32
    assert seed == 2535342921  # pinned: a changed derivation would silently change every existing set's look


def test_seed_is_the_same_in_other_processes_whatever_their_hash_salt() -> None:
    code = "from core.expressions.seeds import expression_seed; print(expression_seed('set-1', 'joy'))"
    for salt in ("1", "12345"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": salt}, cwd=os.getcwd())
        assert int(out.stdout) == expression_seed("set-1", "joy")


def test_seeds_differ_per_label_and_per_set() -> None:
    seeds = {expression_seed("set-1", label) for label in SILLYTAVERN}
    assert len(seeds) == len(SILLYTAVERN)
    assert expression_seed("set-1", "joy") != expression_seed("set-2", "joy")
    assert expression_seed("ab", "c") != expression_seed("a", "bc")
