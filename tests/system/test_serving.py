"""What ``python main.py`` refuses and protects (issue 13, points 10 and 15), on the real process."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from tests.support.app_process import ROOT, child_env, start_studio


def test_open_access_on_every_interface_refuses_to_start_and_says_why(tmp_path: Path) -> None:
    env = {**child_env(), "STUDIO_DATA_DIR": str(tmp_path), "STUDIO_AUTH": "none", "STUDIO_HOST": "0.0.0.0",
           "STUDIO_SECRET_KEY": "x" * 32}
    done = subprocess.run([sys.executable, str(ROOT / "main.py")], env=env, capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert done.returncode != 0
    assert "refuses to start" in done.stderr and "STUDIO_ALLOW_OPEN_ACCESS" in done.stderr
    assert not (tmp_path / "studio.db").exists()  # refused before anything was created


def test_the_data_dir_is_private_to_the_server(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)  # as an older install left it: tightened at start
    app = start_studio(data_dir=data)
    try:
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        files = [p for p in data.iterdir() if p.is_file() and p.name != "server.log"]  # (the test's own log)
        assert data / "studio.db" in files
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files), files
        stored = [p for p in (data / "storage").rglob("*") if p.is_file()]
        assert all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in stored)
    finally:
        app.stop()
