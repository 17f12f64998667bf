"""What only the filesystem backend can get wrong: atomic writes, escaping the root, leftovers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from storage.base import REFERENCE_IMAGES, USER_LIBRARY, InvalidKey, StorageError
from storage.local import LocalStorage
from tests.support.storage import SECRET


@pytest.fixture
def local(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "storage", SECRET)


def test_a_crash_mid_write_keeps_the_old_object_and_leaves_no_temp_file(
        local: LocalStorage, monkeypatch: pytest.MonkeyPatch) -> None:
    local.put(REFERENCE_IMAGES, "u1/c1/a.png", b"old complete image", "image/png")
    real_replace = os.replace

    def crash_on_data(src: str, dst: str) -> None:
        if str(dst).endswith("a.png"):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash_on_data)
    with pytest.raises(StorageError):
        local.put(REFERENCE_IMAGES, "u1/c1/a.png", b"new half-written image", "image/webp")
    monkeypatch.undo()
    assert local.get(REFERENCE_IMAGES, "u1/c1/a.png") == b"old complete image"
    assert local.stat(REFERENCE_IMAGES, "u1/c1/a.png").content_type == "image/png"
    assert list((local.root / ".tmp").iterdir()) == []
    assert [o.key for o in local.list(REFERENCE_IMAGES, "")] == ["u1/c1/a.png"]


def test_files_sit_at_bucket_slash_key_and_metadata_never_lists(local: LocalStorage) -> None:
    local.put(REFERENCE_IMAGES, "u1/c1/a.png", b"a", "image/png")
    assert (local.root / "reference_images/u1/c1/a.png").read_bytes() == b"a"
    # A key that looks like the metadata of another is just an object.
    local.put(REFERENCE_IMAGES, "u1/c1/a.png.json", b"{}", "application/json")
    assert [o.key for o in local.list(REFERENCE_IMAGES, "u1")] == ["u1/c1/a.png", "u1/c1/a.png.json"]
    assert local.stat(REFERENCE_IMAGES, "u1/c1/a.png").content_type == "image/png"


def test_nothing_is_ever_written_outside_the_root(tmp_path: Path, local: LocalStorage) -> None:
    for key in ("../outside.png", "u1/../../outside.png", "/tmp/outside.png"):
        with pytest.raises(InvalidKey):
            local.put(REFERENCE_IMAGES, key, b"x", "image/png")
    with pytest.raises(InvalidKey):
        local.put("../" + REFERENCE_IMAGES, "outside.png", b"x", "image/png")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_delete_prunes_empty_directories_but_keeps_the_bucket(local: LocalStorage) -> None:
    local.put(USER_LIBRARY, "u1/portraits/c1/j1.png", b"x", "image/png")
    local.put(USER_LIBRARY, "u1/other.png", b"y", "image/png")
    local.delete(USER_LIBRARY, "u1/portraits/c1/j1.png")
    assert not (local.root / "user-library/u1/portraits").exists()
    assert (local.root / "user-library/u1/other.png").exists()
    local.delete(USER_LIBRARY, "u1/other.png")
    assert (local.root / "user-library").is_dir() and not (local.root / "user-library/u1").exists()


def test_a_key_that_is_a_directory_is_a_storage_error_not_a_crash(local: LocalStorage) -> None:
    local.put(REFERENCE_IMAGES, "u1/c1/a.png", b"x", "image/png")
    with pytest.raises(StorageError):
        local.put(REFERENCE_IMAGES, "u1/c1", b"x", "image/png")
    assert not local.exists(REFERENCE_IMAGES, "u1/c1")


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        LocalStorage(Path("/nonexistent"), "")


def test_signatures_depend_on_the_secret_and_on_nothing_guessable(tmp_path: Path) -> None:
    a = LocalStorage(tmp_path, "secret-a", clock=lambda: 1_000_000.0)
    b = LocalStorage(tmp_path, "secret-b", clock=lambda: 1_000_000.0)
    url_a, url_b = (s.signed_url(REFERENCE_IMAGES, "u1/c1/a.png", 60) for s in (a, b))
    assert url_a.split("sig=")[0] == url_b.split("sig=")[0] and url_a != url_b
    sig = url_a.split("sig=")[1]
    assert a.verify(REFERENCE_IMAGES, "u1/c1/a.png", 1_000_060, sig)
    assert not b.verify(REFERENCE_IMAGES, "u1/c1/a.png", 1_000_060, sig)
    assert not a.verify(REFERENCE_IMAGES, "u1/c1/a.png", 1_000_061, sig)
