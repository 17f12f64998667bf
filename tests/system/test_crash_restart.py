"""After ``kill -9`` of the server, its worker processes go too and the next ``python main.py`` serves
on the same port at once (issue 12/13: forked renderer workers used to keep the listening socket)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from tests.support.app_process import session_processes, start_studio, wait_until


def test_workers_die_with_the_server_and_a_restart_gets_the_same_port(tmp_path: Path) -> None:
    first = start_studio(data_dir=tmp_path)
    port = int(first.base_url.rsplit(":", 1)[1])
    try:
        # The forkserver and its workers start with the app: wait until they are all there.
        workers = wait_until(lambda: session_processes(first.pid) - {first.pid}
                             if len(session_processes(first.pid)) >= 3 else None, 30, "the worker processes")
        os.kill(first.pid, signal.SIGKILL)
        first.process.wait(timeout=10)
        wait_until(lambda: not (session_processes(first.pid) & workers), 10, "the workers to exit with the server")
    finally:
        first.stop()

    second = start_studio(data_dir=tmp_path, port=port, timeout=10)
    try:
        assert second.base_url == first.base_url
    finally:
        second.stop()
