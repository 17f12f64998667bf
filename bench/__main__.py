"""Run the benchmarks, write ``bench/results/<name>.json`` and print a short table.

Each ``bench/bench_*.py`` exposes ``run() -> dict`` returning ``{"figures": {...}, "targets": {...}}``
where every target names a figure and a bound; a target that is missed is printed as MISS.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import platform
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def main(selected: list[str]) -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    if selected:
        names = [n for n in names if any(s in n for s in selected)]
    for name in names:
        started = time.perf_counter()
        result: dict[str, Any] = importlib.import_module(f"bench.{name}").run()
        result["seconds"] = round(time.perf_counter() - started, 2)
        result["machine"] = {"python": platform.python_version(), "cpus": _cpus()}
        (RESULTS / f"{name.removeprefix('bench_')}.json").write_text(json.dumps(result, indent=2))
        _print(name, result)
    return 0


def _print(name: str, result: dict[str, Any]) -> None:
    print(f"\n== {name} ({result['seconds']} s)")
    figures = result.get("figures", {})
    for key, value in figures.items():
        print(f"  {key:<52} {value}")
    for target in result.get("targets", []):
        ok = "ok  " if target.get("met") else "MISS"
        print(f"  [{ok}] {target['name']}: {target['figure']} {target['op']} {target['bound']}")


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
