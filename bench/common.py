"""Shared pieces of the benchmarks: percentiles, targets, throw-away databases."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from core.config import Settings, normalise_database_url
from core.context import Context
from core.db import Database
from core.events import EventBus
from core.migrate import upgrade
from storage.local import LocalStorage

POSTGRES_URL = os.environ.get("STUDIO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(samples_s: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    return {"p50_ms": round(statistics.median(ms), 3), "p95_ms": round(percentile(ms, 95), 3),
            "p99_ms": round(percentile(ms, 99), 3), "n": len(ms)}


def time_calls(fn: Callable[[int], Any], n: int) -> list[float]:
    samples = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - start)
    return samples


def target(name: str, figure: float, op: str, bound: float) -> dict[str, Any]:
    """A target record: ``figure op bound``."""
    met = figure < bound if op == "<" else figure <= bound
    return {"name": name, "figure": round(figure, 3), "op": op, "bound": bound, "met": met}


def postgres_available() -> bool:
    try:
        engine = sa.create_engine(normalise_database_url(POSTGRES_URL))
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not here"
        return False


@contextmanager
def bench_context(backend: str) -> Iterator[Context]:
    """A migrated throw-away database (SQLite file or a fresh PostgreSQL database) and local storage."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), secret_key="bench")
        if backend == "sqlite":
            db = Database(f"sqlite:///{tmp}/bench.db")
            cleanup: Callable[[], None] = lambda: None  # noqa: E731
        else:
            db, cleanup = _postgres_database()
        upgrade(db)
        ctx = Context(settings=settings, db=db, events=EventBus(),
                      storage=LocalStorage(Path(tmp) / "storage", "bench"))
        try:
            yield ctx
        finally:
            db.dispose()
            cleanup()


def _postgres_database() -> tuple[Database, Callable[[], None]]:
    admin = sa.create_engine(normalise_database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"studio_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = normalise_database_url(POSTGRES_URL).rsplit("/", 1)[0] + f"/{name}"

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return Database(url), drop
