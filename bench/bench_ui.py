"""The UI figures (issues 6 and 12), measured on the real app (``python main.py`` as a subprocess) and
Debian's Chromium. The phases' code: page build and push here, memory in :mod:`bench.ui_memory`, time
to ready in :mod:`bench.ui_ready`. Targets (issue 12): push latency, no growth from a second round of
tabs, and the studio's time to ready against a bare page; the HTML build time and the memory per tab
are reported, not targets.

1. Studio page build for a character with 1,000 portraits: median time to the full HTML of
   ``GET /studio/{id}``, against a bare NiceGUI page (one ``ui.label``) served by a second tiny script in
   the same run, so both see the same machine (and the same load from whatever else runs on it).
2. Push latency: a page is open in Chromium; portraits are generated through the HTTP API; a
   MutationObserver records ``Date.now()`` when each new tile enters the DOM. Measured from the moment
   the API call returned (the brief's figure; the event is published before the response is written,
   so this can be negative) and from the row's ``created_at`` (just before ``portrait.inserted``).
3. Memory: the server's VmRSS with 50 studio tabs open, and after closing them: once NiceGUI's
   reconnect timeout has deleted their clients and the server's trim has run (the server idle, the
   RSS holding still; ``after_first_trim``), and again a minute after closing, when NiceGUI's periodic
   housekeeping has run as well (``after_close``, the figure the target uses). The start is taken
   after a few tabs have been opened and closed, so one-off imports and caches are not counted as
   "per tab". The "RSS after closing 50 tabs / start" ratio is retired as a target (issue 6) and only
   reported (``after_over_start``); the leak check stays a target: a second round of tabs leaves the
   RSS within 10 % of where the first round left it. While the tabs close, the server's answer time
   (``answer_while_tabs_close``: ``/healthz`` asked every 20 ms) shows what the clean-up costs others.
4. Time to ready in Chromium, studio against a bare NiceGUI page (``studio_ready_ratio``, the target's
   figure, and ``ready_vs_bare``): the studio page of the character with 1,000 portraits and the bare
   page above (its own server, started for this phase) take turns, ``READY_SAMPLES`` each after one
   warm-up of each. Every sample is a real first load: a fresh browser context (empty HTTP cache, no
   cookies or storage) and a fresh page. "Ready" is judged in the page by an init script that checks on
   every ``load`` event (capture phase, so images count) and every 4 ms: for both pages NiceGUI's
   websocket is up (``window.socket.connected`` and NiceGUI's own ``window.did_handshake``, set when the
   server has accepted the handshake); for the studio also the first portrait tile's ``<img>``
   (``[data-testid="portrait-tile"] img``) has loaded (``complete`` and ``naturalWidth > 0``); for the
   bare page also its one label ("bare") is rendered visible. The time is the page's own
   ``performance.now()`` at that moment, i.e. milliseconds since navigation start
   (``performance.timeOrigin`` of the navigated document); the wall-clock time around ``page.goto`` and
   the wait is reported beside it (it adds Playwright's round trips). p50 and p90 of each page, and the
   ratio of the p50s. Beside them, where the time went (``loading``: the first answer received, and
   DOMContentLoaded done, i.e. the scripts run and the first answer's elements mounted, after which
   the websocket opens) and the load average before and after the phase (two shared cores).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, sync_playwright

from bench.common import summary_ms, target
from bench.ui_memory import RECONNECT_TIMEOUT_S, measure_memory, open_live, settled_rss
from bench.ui_ready import PORTRAITS, ready_vs_bare, start_bare
from core import characters
from core.models import CharacterPortrait, new_id, utcnow
from tests.support.app_process import CHROMIUM, CHROMIUM_ARGS, StudioApp, start_studio, stop_server

PAGE_SAMPLES = 30
PUSH_SAMPLES = 20
DESCRIPTION = "A bench character with a long gallery, described well enough to pass every rule of the form."

TILE_OBSERVER_JS = """() => {
  window.__tileSeen = {};
  const record = () => {
    const now = Date.now();
    for (const tile of document.querySelectorAll('[data-testid="portrait-tile"]')) {
      const id = tile.getAttribute('data-portrait-id');
      if (id && !(id in window.__tileSeen)) window.__tileSeen[id] = now;
    }
  };
  record();
  new MutationObserver(record).observe(document.body, {childList: true, subtree: true, attributes: true,
                                                      attributeFilter: ['data-portrait-id']});
}"""


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp:
        app = start_studio(reconnect_timeout_s=RECONNECT_TIMEOUT_S, data_dir=Path(tmp))
        try:
            token = app.create_token("bench")
            big = _character_with_portraits(app, token, PORTRAITS)
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                try:
                    memory = measure_memory(app, browser, big)  # first: HTTP-only clients (below) live 60 s
                    push = _push_latency(app, browser, token)
                    ready = _time_to_ready(app, browser, big)
                    versus_bare = ready_vs_bare(app, browser, big, Path(tmp))
                finally:
                    browser.close()
            settled_rss(app.pid)  # the last tabs' deletion and trim finish before the build is timed
            build = _page_build(app, big, Path(tmp))
        finally:
            app.stop()
    figures = {"page_build": build, "push": push, "memory": memory, "browser_ready": ready,
               "studio_ready_ratio": versus_bare["studio_ready_ratio"], "ready_vs_bare": versus_bare}
    targets = [
        target("push: API response -> tile in DOM, p95 (ms)", push["from_api_response"]["p95_ms"], "<", 150),
        target("push: portrait inserted -> tile in DOM, p95 (ms)", push["from_insert"]["p95_ms"], "<", 150),
        target("no growth from a second round of tabs: RSS after round 2 / after round 1 (x)",
               memory["round2_over_round1"], "<=", 1.10),
        target("studio ready / bare NiceGUI page ready in Chromium, first loads, p50 (x)",
               versus_bare["studio_ready_ratio"], "<=", 1.6),
    ]
    return {"figures": figures, "targets": targets}


def _character_with_portraits(app: StudioApp, token: str, count: int) -> str:
    """One real generated portrait (so thumbnails load in the browser), then clones of its row."""
    character = characters.create_character(app.ctx, app.local_user(), {"name": "Bench Gallery",
                                                                         "description": DESCRIPTION})
    made = _generate(app, token, character.id)
    with app.ctx.db.read() as session:
        first = session.get(CharacterPortrait, made["portraitId"])
        assert first is not None
    now = utcnow()
    rows = [{"id": new_id(), "character_id": character.id, "image_url": first.image_url,
             "thumbnail_url": first.thumbnail_url, "prompt": first.prompt, "generation_metadata": {},
             "is_primary": False, "sort_order": i, "created_at": now, "updated_at": now}
            for i in range(1, count)]
    with app.ctx.db.write() as session:
        session.bulk_insert_mappings(CharacterPortrait, rows)  # type: ignore[arg-type]
    return character.id


def _generate(app: StudioApp, token: str, character_id: str, client: httpx.Client | None = None) -> dict[str, Any]:
    post = client.post if client is not None else httpx.post
    response = post(app.url("/functions/v1/character-portrait"), json={"characterId": character_id},
                    headers={"Authorization": f"Bearer {token}"}, timeout=60)
    response.raise_for_status()
    return dict(response.json())


def _get_ms(client: httpx.Client, urls: list[str], samples: int, *, interleaved: bool
            ) -> list[tuple[float, list[float], int]]:
    """Median wall time of GET to the last byte for each url, after two warm-up requests each.

    Back to back (the target's figure), each page is asked ``samples`` times in a row: its server
    stays hot, and what it does after answering overlaps the next request. Interleaved, the urls take
    turns, so each request finds its server idle - the latency a person opening one page sees.
    """
    sizes = [len(client.get(url).raise_for_status().content) for url in urls for _ in range(2)][1::2]
    timings: list[list[float]] = [[] for _ in urls]
    order = [(i, url) for _ in range(samples) for i, url in enumerate(urls)] if interleaved else \
        [(i, url) for i, url in enumerate(urls) for _ in range(samples)]
    for i, url in order:
        start = time.perf_counter()
        response = client.get(url)
        _ = response.content
        timings[i].append(time.perf_counter() - start)
        response.raise_for_status()
    return [(statistics.median(t) * 1000, t, size) for t, size in zip(timings, sizes, strict=True)]


def _page_build(app: StudioApp, character_id: str, tmp: Path) -> dict[str, Any]:
    empty = characters.create_character(app.ctx, app.local_user(), {"name": "Bench Empty",
                                                                     "description": DESCRIPTION})
    bare, bare_url = start_bare(tmp)
    try:
        urls = [bare_url, app.url(f"/studio/{character_id}"), app.url(f"/studio/{empty.id}")]
        with httpx.Client(timeout=30) as client:
            # The same page for a character without portraits shows how much of the build is the gallery.
            (bare_ms, bare_samples, bare_size), (studio_ms, studio_samples, studio_size), (empty_ms, _, _) = \
                _get_ms(client, urls, PAGE_SAMPLES, interleaved=False)
            (bare_idle_ms, _, _), (studio_idle_ms, _, _), _ = _get_ms(client, urls, PAGE_SAMPLES, interleaved=True)
    finally:
        stop_server(bare)
    return {"studio_p50_ms": round(studio_ms, 2), "bare_p50_ms": round(bare_ms, 2),
            "studio_no_portraits_p50_ms": round(empty_ms, 2),
            "ratio_to_bare": round(studio_ms / bare_ms, 2), "studio": summary_ms(studio_samples),
            "interleaved": {"studio_p50_ms": round(studio_idle_ms, 2), "bare_p50_ms": round(bare_idle_ms, 2),
                            "ratio_to_bare": round(studio_idle_ms / bare_idle_ms, 2)},
            "bare": summary_ms(bare_samples), "studio_html_kib": round(studio_size / 1024, 1),
            "bare_html_kib": round(bare_size / 1024, 1), "portraits": PORTRAITS}


def _push_latency(app: StudioApp, browser: Browser, token: str) -> dict[str, Any]:
    character = characters.create_character(app.ctx, app.local_user(), {"name": "Bench Push",
                                                                         "description": DESCRIPTION})
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    open_live(page, app.url(f"/studio/{character.id}"))
    page.evaluate(TILE_OBSERVER_JS)
    from_api: list[float] = []
    from_insert: list[float] = []
    with httpx.Client(timeout=60) as client:
        _generate(app, token, character.id, client)  # warm the renderer's process pool: not a sample
        for _ in range(PUSH_SAMPLES):
            made = _generate(app, token, character.id, client)
            returned = time.time()
            pid = made["portraitId"]
            seen_ms = page.wait_for_function(f"() => window.__tileSeen[{pid!r}]", timeout=10_000).json_value()
            with app.ctx.db.read() as session:
                row = session.get(CharacterPortrait, pid)
                assert row is not None
            seen = float(seen_ms) / 1000
            from_api.append(seen - returned)
            from_insert.append(seen - row.created_at.timestamp())
    context.close()
    return {"from_api_response": _signed_summary_ms(from_api), "from_insert": _signed_summary_ms(from_insert)}


def _signed_summary_ms(samples_s: list[float]) -> dict[str, float]:
    """Like summary_ms, plus min and max: negative means the tile was there before the API answered."""
    ms = [s * 1000 for s in samples_s]
    return {**summary_ms(samples_s), "min_ms": round(min(ms), 3), "max_ms": round(max(ms), 3)}


def _time_to_ready(app: StudioApp, browser: Browser, character_id: str, samples: int = 5) -> dict[str, Any]:
    """What a person waits for: navigation to the studio until its deferred parts have all arrived."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    timings = []
    for _ in range(samples + 1):
        page = context.new_page()
        started = time.perf_counter()
        page.goto(app.url(f"/studio/{character_id}"))
        page.wait_for_selector('[data-testid="studio-ready"]', state="attached", timeout=30_000)
        page.wait_for_selector('[data-testid="portrait-tile"]', timeout=30_000)
        timings.append(time.perf_counter() - started)
        page.close()
    context.close()
    return {"navigation_to_full_gallery": summary_ms(timings[1:])}


