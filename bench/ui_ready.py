"""Time to ready in Chromium, studio against a bare NiceGUI page (issue 12's figure).

The studio page of a character with 1,000 portraits and a bare page (one ``ui.label``, its own
server, started for this phase) take turns, ``READY_SAMPLES`` each after one warm-up of each. Every
sample is a real first load: a fresh browser context (empty HTTP cache, no cookies or storage) and a
fresh page. "Ready" is judged in the page by an init script (``READY_JS``); see ``bench_ui``'s
docstring (4.) for the whole definition.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser

from bench.common import percentile
from tests.support.app_process import StudioApp, child_env, free_port, start_server, stop_server

READY_SAMPLES = 18  # of each page, taking turns: about 30 s in all on two cores
PORTRAITS = 1_000

BARE_APP = textwrap.dedent("""
    import sys

    from nicegui import ui


    @ui.page("/")
    def index() -> None:
        ui.label("bare")


    ui.run(host="127.0.0.1", port=int(sys.argv[1]), reload=False, show=False, reconnect_timeout=3.0)
""")

# Installed in each fresh context before the page's own scripts; ``needs`` is which checks make "ready".
READY_JS = """(needs) => {
  if (window.__ready) return;
  const ready = window.__ready = {socket: null, image: null, label: null, at: null};
  const check = () => {
    if (ready.at !== null) return;
    const now = performance.now();
    if (ready.socket === null && window.socket && window.socket.connected && window.did_handshake === true)
      ready.socket = now;
    if (ready.image === null) {
      const img = document.querySelector('[data-testid="portrait-tile"] img');
      if (img && img.complete && img.naturalWidth > 0) ready.image = now;
    }
    if (ready.label === null && document.body) {
      const label = document.evaluate("//div[normalize-space(text())='bare']", document.body, null,
                                      XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
      if (label && label.getClientRects().length > 0 && getComputedStyle(label).visibility !== 'hidden')
        ready.label = now;
    }
    if (needs.every(name => ready[name] !== null)) {
      ready.at = now;
      clearInterval(timer);
    }
  };
  const timer = setInterval(check, 4);
  window.addEventListener('load', check, true);
}"""


# Where the time before "ready" went, from the navigation's own timing: the first answer received
# (HTML done) and the page's scripts run, its elements mounted (DOMContentLoaded done; the websocket
# opens at the end of the mount).
LOADING_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  return {html_done: nav.responseEnd, scripts_done: nav.domContentLoadedEventEnd, html_bytes: nav.decodedBodySize};
}"""


def ready_vs_bare(app: StudioApp, browser: Browser, character_id: str, tmp: Path) -> dict[str, Any]:
    """First loads in Chromium, studio and bare page taking turns: ms from navigation start to ready.

    See the module docstring (4.) for what "ready" is. Each sample gets a fresh context, so nothing
    comes from the HTTP cache; one warm-up of each page first (the servers' first-request costs).
    """
    started_phase = time.perf_counter()
    bare, bare_url = start_bare(tmp)
    pages = {"studio": (app.url(f"/studio/{character_id}"), ["socket", "image"]),
             "bare": (bare_url, ["socket", "label"])}
    in_page: dict[str, list[float]] = {name: [] for name in pages}
    wall: dict[str, list[float]] = {name: [] for name in pages}
    marks: dict[str, list[dict[str, float]]] = {name: [] for name in pages}
    loads: dict[str, list[dict[str, float]]] = {name: [] for name in pages}
    load_before = os.getloadavg()  # two shared cores: what else ran is part of every figure
    try:
        for i in range(READY_SAMPLES + 1):
            for name, (url, needs) in pages.items():
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                context.add_init_script(f"({READY_JS})({needs!r})")
                page = context.new_page()
                started = time.perf_counter()
                page.goto(url, wait_until="commit")
                page.wait_for_function("() => window.__ready && window.__ready.at !== null", polling=20,
                                       timeout=30_000)
                took = time.perf_counter() - started
                ready = page.evaluate("() => window.__ready")
                loading = page.evaluate(LOADING_JS)
                context.close()
                if i == 0:
                    continue  # warm-up
                in_page[name].append(float(ready["at"]))
                wall[name].append(took * 1000)
                marks[name].append(ready)
                loads[name].append(loading)
    finally:
        stop_server(bare)
    seconds = time.perf_counter() - started_phase
    load_after = os.getloadavg()

    def stats(ms: list[float]) -> dict[str, float]:
        return {"p50_ms": round(statistics.median(ms), 1), "p90_ms": round(percentile(ms, 90), 1), "n": len(ms)}

    studio_p50, bare_p50 = statistics.median(in_page["studio"]), statistics.median(in_page["bare"])
    return {"studio": stats(in_page["studio"]), "bare": stats(in_page["bare"]),
            "studio_ready_ratio": round(studio_p50 / bare_p50, 3),
            "studio_socket_up": stats([m["socket"] for m in marks["studio"]]),
            "studio_first_image": stats([m["image"] for m in marks["studio"]]),
            "wall_clock": {"studio": stats(wall["studio"]), "bare": stats(wall["bare"])},
            "loading": {name: {key: stats([m[key] for m in loads[name]]) for key in ("html_done", "scripts_done")}
                        | {"html_kib": round(loads[name][0]["html_bytes"] / 1024, 1)} for name in pages},
            "loadavg": {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in load_after]},
            "seconds": round(seconds, 1), "portraits": PORTRAITS}


def start_bare(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The bare NiceGUI page (``BARE_APP``) on a free port: its process and its URL."""
    script = tmp / "bare_nicegui.py"
    script.write_text(BARE_APP)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = start_server([sys.executable, str(script), str(port)], {**child_env(), "NICEGUI_STORAGE_PATH": str(tmp)},
                        url, tmp / "bare.log")
    return proc, url
