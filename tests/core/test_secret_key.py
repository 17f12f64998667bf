"""The generated secret key on a shared data dir (issue 13, point 6): first starts that race agree on
one key; before, 9 of 10 tries failed with ``FileNotFoundError ... secret_key.tmp``."""

from __future__ import annotations

import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from core.config import Settings, read_or_create_secret

STARTS = 6


def _first_start(data_dir: str) -> str:
    return Settings(data_dir=Path(data_dir), secret_key="").resolved_secret_key()


@pytest.mark.parametrize("attempt", range(3))
def test_simultaneous_first_starts_share_one_key(tmp_path: Path, attempt: int) -> None:
    data = tmp_path / "data"
    with ProcessPoolExecutor(max_workers=STARTS) as pool:  # processes, as two servers would be
        keys = list(pool.map(_first_start, [str(data)] * STARTS))
    assert len(set(keys)) == 1 and len(keys[0]) >= 48
    assert (data / "secret_key").read_text() == keys[0]
    assert stat.S_IMODE((data / "secret_key").stat().st_mode) == 0o600
    assert [p.name for p in data.iterdir()] == ["secret_key"]  # no temporary file left behind


def test_an_existing_key_is_kept_and_an_empty_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    path.write_text("kept-key\n")
    assert read_or_create_secret(path) == "kept-key"
    path.write_text("")
    with pytest.raises(ValueError, match="is empty"):
        read_or_create_secret(path)
