"""The server's memory with 50 studio tabs open and after they close (``bench_ui``'s docstring, 3.),
and how long the server takes to answer while the closed tabs are cleaned up.

While the tabs close, a thread asks ``/healthz`` every 20 ms until the memory has settled: the
longest answer is what a person in another tab would feel of the clean-up (a full garbage
collection holds the interpreter; a freeze of the objects made at start-up keeps it short).
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Page

from bench.common import percentile
from tests.support.app_process import StudioApp, rss_bytes
from ui.memory import TRIM_AFTER_S

TABS = 50
ROUND2_TABS = 10  # enough to show growth per tab, if any; keeps `make bench` near its 5-minute budget
RECONNECT_TIMEOUT_S = 3.0
HOUSEKEEPING_S = 60.0  # after closing the 50 tabs: the "after" figure is taken a minute later
MB = 1024 * 1024


def open_live(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("window.did_handshake === true")


def measure_memory(app: StudioApp, browser: Browser, character_id: str) -> dict[str, Any]:
    url = app.url(f"/studio/{character_id}")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    for _ in range(3):  # warm-up: imports, templates, caches that the first pages create once
        page = context.new_page()
        open_live(page, url)
        page.close()
    start = settled_rss(app.pid)
    threads_start = _threads(app.pid)
    opened_at = time.perf_counter()
    pages = _open_tabs(context, url, TABS)
    open_seconds = time.perf_counter() - opened_at
    with_tabs = rss_bytes(app.pid)
    threads_with_tabs = _threads(app.pid)
    with AnswerProbe(app.url("/healthz")) as probe:
        for page in pages:
            page.close()
        closed_at = time.monotonic()
        after_trim = settled_rss(app.pid)
    # and once the server's periodic housekeeping has run too (NiceGUI's 10-second timers, the
    # first prune of the closed tabs' storage): memory keeps coming back for about a minute
    after = settled_rss(app.pid, not_before_s=HOUSEKEEPING_S - (time.monotonic() - closed_at))
    # A leak grows with every round; an allocator that keeps its high-water mark does not.
    for page in _open_tabs(context, url, ROUND2_TABS):
        page.close()
    after_round2 = settled_rss(app.pid)
    context.close()
    return {"start_mb": round(start / MB, 1), "with_50_tabs_mb": round(with_tabs / MB, 1),
            "after_close_mb": round(after / MB, 1), "after_first_trim_mb": round(after_trim / MB, 1),
            "after_first_trim_over_start": round(after_trim / start, 3),
            "per_tab_mb": round((with_tabs - start) / TABS / MB, 3),
            "after_over_start": round(after / start, 3), "tabs": TABS,
            "retained_per_closed_tab_mb": round((after - start) / TABS / MB, 3),
            "seconds_to_open_50": round(open_seconds, 1), "round2_tabs": ROUND2_TABS,
            "after_round2_mb": round(after_round2 / MB, 1), "round2_over_round1": round(after_round2 / after, 3),
            "threads_start": threads_start, "threads_with_tabs": threads_with_tabs,
            "answer_while_tabs_close": probe.summary()}


class AnswerProbe:
    """Asks ``url`` every 20 ms from a thread, one request at a time, and keeps each answer's time."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="answer-probe", daemon=True)

    def __enter__(self) -> AnswerProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> dict[str, float]:
        ms = sorted(s * 1000 for s in self.samples)
        return {"p50_ms": round(statistics.median(ms), 1), "p99_ms": round(percentile(ms, 99), 1),
                "max_ms": round(ms[-1], 1), "n": len(ms)}

    def _run(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self._stop.is_set():
                started = time.perf_counter()
                client.get(self.url).raise_for_status()
                self.samples.append(time.perf_counter() - started)
                self._stop.wait(0.02)


def _open_tabs(context: BrowserContext, url: str, count: int, batch: int = 10) -> list[Page]:
    """Open ``count`` live tabs, ``batch`` at a time: the server builds one page while Chromium renders
    the previous ones (one by one, 50 studio tabs take over a minute on two cores)."""
    pages: list[Page] = []
    while len(pages) < count:
        group = [context.new_page() for _ in range(min(batch, count - len(pages)))]
        for page in group:
            page.goto(url, wait_until="commit")
        for page in group:
            page.wait_for_function("window.did_handshake === true", timeout=120_000)
        pages += group
    return pages


def _threads(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


def settled_rss(pid: int, timeout_s: float = 60.0, not_before_s: float = 0.0) -> int:
    """The server's RSS once closed tabs have been deleted and their memory handed back.

    Clients are deleted ``reconnect_timeout`` after their socket closes, and the server trims one
    second after the last deletion (``ui/memory.py``); neither is visible from outside. So this waits
    until that much time and a margin have passed and then, for two seconds, the server has been
    idle (under 5 % of a core: on a starved machine deletions can lag far behind the timer) and its
    RSS has held still (within 0.5 MB).
    """
    started = time.monotonic()
    earliest = started + max(not_before_s, RECONNECT_TIMEOUT_S + TRIM_AFTER_S + 2.0)
    timeout_s = max(timeout_s, not_before_s + 10.0)
    history: list[tuple[float, int, float]] = []
    while True:
        now, rss, cpu = time.monotonic(), rss_bytes(pid), _cpu_seconds(pid)
        # samples of the last ~2 s: kept up to 2.2 s old, so at a 0.25-0.3 s pace one is always 1.9 s or older
        history = [h for h in history if now - h[0] <= 2.2] + [(now, rss, cpu)]
        span = now - history[0][0]
        steady = (span >= 1.9 and max(h[1] for h in history) - min(h[1] for h in history) < MB // 2
                  and (cpu - history[0][2]) / span < 0.05)
        if (now >= earliest and steady) or now - started > timeout_s:
            return rss
        time.sleep(0.25)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process so far (``/proc/<pid>/stat`` fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
