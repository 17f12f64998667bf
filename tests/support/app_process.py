"""The real app as a subprocess on a loopback port, shared by the browser tests and ``bench/bench_ui.py``.

Browser tests and UI benchmarks must see what a person sees: ``python main.py`` with its own event loop,
websockets, process pool and SQLite file, not the in-process ``User`` harness. The test process opens
the same SQLite file (WAL lets both sides read and write) to create characters and to check what the
app saved, so a test can prove an edit reached the database and not only the page.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from core import auth
from core.config import Settings
from core.context import Context
from core.db import Database
from core.events import EventBus
from core.models import User
from storage.local import LocalStorage

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SECRET = "browser-test-secret"


def free_port() -> int:
    """A port the kernel says is free on 127.0.0.1 (bound and released at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    """Poll ``condition`` until it returns something truthy; fail with ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def start_server(argv: list[str], env: Mapping[str, str], health_url: str, log_path: Path,
                 timeout: float = 60.0) -> subprocess.Popen[bytes]:
    """Start a server in its own process group and wait until ``health_url`` answers 200.

    Its own session and group, so a test can find every process the server started (the
    forkserver and its workers) and :func:`stop_server` can reap any that a failed test left.
    """
    log = log_path.open("wb")
    proc = subprocess.Popen(argv, cwd=ROOT, env=dict(env), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    log.close()

    def healthy() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            return httpx.get(health_url, timeout=1.0).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_until(healthy, timeout, f"{argv[-1]} to answer {health_url}", interval=0.1)
    except BaseException:
        stop_server(proc)
        raise
    return proc


def stop_server(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGINT (a clean uvicorn shutdown that flushes and closes the pool), then SIGKILL the group."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # leftovers of this server only: its own process group


def child_env() -> dict[str, str]:
    """This process's environment without STUDIO_*, PYTEST_* and NICEGUI_* variables.

    NiceGUI treats PYTEST_CURRENT_TEST as "started by its screen-test harness" and would ignore the port
    it is given; STUDIO_* from the caller would leak another configuration into the server.
    """
    return {key: value for key, value in os.environ.items()
            if not key.startswith(("STUDIO_", "PYTEST_", "NICEGUI_"))}


def session_processes(sid: int) -> set[int]:
    """Every live process of session ``sid`` (a server started by :func:`start_server` leads its own)."""
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if fields[0] != "Z" and int(fields[3]) == sid:  # state, ppid, pgrp, session
            found.add(int(entry.name))
    return found


def rss_bytes(pid: int) -> int:
    """Resident memory of one process (VmRSS), what a host's memory limit counts."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


@dataclass
class StudioApp:
    """One running ``main.py``: its URL, data dir, process, and a Context on the same SQLite file."""

    base_url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    ctx: Context
    _owned_tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    def url(self, path: str) -> str:
        return self.base_url + path

    def local_user(self) -> User:
        """The single-user mode's account (``STUDIO_AUTH=none``), created here if no page made it yet."""
        return auth.local_user(self.ctx.db)

    def create_token(self, name: str = "browser tests") -> str:
        _, plain = auth.create_token(self.ctx.db, self.local_user(), name)
        return plain

    def stop(self) -> None:
        stop_server(self.process)
        self.ctx.db.dispose()
        if self._owned_tmp is not None:
            self._owned_tmp.cleanup()


def start_studio(*, autosave_delay_s: float = 2.0, reconnect_timeout_s: float = 3.0,
                 data_dir: Path | None = None, port: int | None = None, timeout: float = 60.0,
                 auth: str = "none") -> StudioApp:
    """``python main.py`` on a free port (or ``port``) with a fresh data dir (or ``data_dir``),
    single-user mode (or ``auth="password"``: sign-in on), built-in renderer."""
    owned = None
    if data_dir is None:
        owned = tempfile.TemporaryDirectory(prefix="studio-browser-")
        data_dir = Path(owned.name)
    port = port or free_port()
    env = child_env()
    env.update({
        "STUDIO_DATA_DIR": str(data_dir), "STUDIO_HOST": "127.0.0.1", "STUDIO_PORT": str(port),
        "STUDIO_AUTH": auth, "STUDIO_STORAGE": "local", "STUDIO_SECRET_KEY": SECRET,
        "STUDIO_AUTOSAVE_DELAY_S": str(autosave_delay_s), "STUDIO_RECONNECT_TIMEOUT": str(reconnect_timeout_s),
        "PYTHONUNBUFFERED": "1", "NICEGUI_STORAGE_PATH": str(data_dir / ".nicegui"),  # not the repo's
    })
    for provider_key in ("FAL_KEY", "REPLICATE_API_TOKEN", "OPENAI_API_KEY", "A1111_URL", "COMFYUI_URL"):
        env.pop(provider_key, None)  # the built-in renderer only: no network beyond loopback
    base_url = f"http://127.0.0.1:{port}"
    proc = start_server([sys.executable, str(ROOT / "main.py")], env, base_url + "/healthz",
                        data_dir / "server.log", timeout=timeout)
    settings = Settings(data_dir=data_dir, secret_key=SECRET)
    db = Database(settings.resolved_database_url)
    ctx = Context(settings=settings, db=db, events=EventBus(),
                  storage=LocalStorage(data_dir / "storage", SECRET))
    app = StudioApp(base_url, data_dir, proc, ctx, owned)
    app.local_user()  # before any page: one process creates the account, never two at once
    return app
