"""NiceGUI ``User`` tests: each runs ``main.py`` on its own data dir, single-user mode unless asked."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def studio_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "app-data"
    monkeypatch.setenv("STUDIO_DATA_DIR", str(data))
    monkeypatch.setenv("STUDIO_DATABASE_URL", "")
    monkeypatch.setenv("STUDIO_STORAGE", "local")
    monkeypatch.setenv("STUDIO_AUTH", "none")
    monkeypatch.setenv("STUDIO_SECRET_KEY", "ui-test-secret")
    monkeypatch.setenv("STUDIO_AUTOSAVE_DELAY_S", "0.3")
    return data


@pytest.fixture
def password_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    """Request before ``user`` to run the app with sign-in on."""
    monkeypatch.setenv("STUDIO_AUTH", "password")
