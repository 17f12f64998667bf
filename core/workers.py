"""The process's worker pools, with one owner: the context that ``main.py`` (or a test) builds.

CPU work (the image gate's decoding and encoding, the offline renderer) runs in worker *processes*:
a thread would still hold the GIL the event loop needs. Blocking reads that overlap well (a remote
store's GETs, storing a card's many images) run in worker *threads*.

Worker processes come from a ``forkserver``: a small server process started with ``exec`` (so it
inherits none of the serving process's sockets or threads) that has imported the image modules once
and forks each worker from itself. After a ``kill -9`` of the server no child holds its listening
port, so the next ``python main.py`` binds it at once. Each worker is handed the reading end of a
*lifeline* pipe whose only writer is the server: when the server dies, however it dies, the kernel
closes that end, the worker's reader sees end-of-file and the worker exits. (The forkserver then
follows: it exits once no process holds its own "alive" pipe, which the workers inherit.)

A worker that dies (the OOM killer on a hostile file) breaks its pool: the pool is replaced and the
caller gets :class:`WorkerCrashed`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from typing import TypeVar

from storage import png

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Imported once by the forkserver, so each worker starts with them loaded (``__main__``: the script
#: that started the server, which each worker would otherwise import again by itself).
PRELOAD = ["__main__", "storage.images", "core.render.portrait", "core.render.expression"]


class WorkerCrashed(RuntimeError):
    """A worker process died while running a call (the pool has been replaced)."""


class Workers:
    """A process pool for CPU work and a thread pool for blocking I/O; created lazily, stopped once."""

    def __init__(self, processes: int | None = None, threads: int = 8) -> None:
        self.process_count = processes or max(1, min(4, os.cpu_count() or 1))
        self.thread_count = threads
        self._processes: ProcessPoolExecutor | None = None
        self._threads: ThreadPoolExecutor | None = None
        self._lifeline: tuple[Connection, Connection] | None = None  # (reader, writer) of the live pool
        self._lock = threading.Lock()

    @property
    def threads(self) -> Executor:
        """The thread pool for blocking I/O (storage reads and writes that overlap)."""
        with self._lock:
            if self._threads is None:
                self._threads = ThreadPoolExecutor(max_workers=self.thread_count, thread_name_prefix="studio-io")
            return self._threads

    def start(self) -> None:
        """Start the forkserver and every worker now (blocking: call it off the event loop), so the
        first upload or render does not wait for them."""
        pool = self._process_pool()
        list(pool.map(_worker_pid, range(self.process_count)))

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """Run a picklable module-level function in a worker process and await its result."""
        pool = self._process_pool()
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)
        except BrokenProcessPool as exc:
            self._discard(pool)
            raise WorkerCrashed("a worker process stopped unexpectedly") from exc

    def stop(self, *, wait: bool = True) -> None:
        """Shut both pools down (the app's shutdown; tests). Later calls start fresh pools."""
        with self._lock:
            processes, self._processes = self._processes, None
            threads, self._threads = self._threads, None
            lifeline, self._lifeline = self._lifeline, None
        if processes is not None:
            processes.shutdown(wait=wait, cancel_futures=True)
        if lifeline is not None:
            for end in lifeline:
                end.close()
        if threads is not None:
            threads.shutdown(wait=wait, cancel_futures=True)

    def _process_pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._processes is None:
                context = _context()
                if self._lifeline is None:
                    self._lifeline = context.Pipe(duplex=False)
                self._processes = ProcessPoolExecutor(max_workers=self.process_count, mp_context=context,
                                                      initializer=_init_worker, initargs=(self._lifeline[0],))
            return self._processes

    def _discard(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._processes is broken:
                self._processes = None
        broken.shutdown(wait=False, cancel_futures=True)  # never block the event loop on a broken pool


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():  # not on Windows or macOS < 3.14
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def _init_worker(lifeline: Connection) -> None:
    """In each worker: exit with the server, leave Ctrl-C to the server, start the encode threads."""
    threading.Thread(target=_exit_when_closed, args=(lifeline,), name="lifeline", daemon=True).start()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    png.start_threads()


def _exit_when_closed(lifeline: Connection) -> None:
    """Block until the server's end of the lifeline closes (nothing is ever sent), then exit now."""
    with contextlib.suppress(EOFError, OSError):
        lifeline.recv_bytes()
    os._exit(0)


def _worker_pid(_index: int) -> int:
    """A no-op call that makes the pool start a worker (and says which process ran it)."""
    return os.getpid()
