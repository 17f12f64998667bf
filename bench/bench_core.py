"""Issue 3's figures: save-character and set-primary latency, and the first gallery page at 10,000 portraits."""

from __future__ import annotations

from typing import Any

from bench.common import bench_context, postgres_available, summary_ms, target, time_calls
from core import auth, characters, portraits
from core.models import CharacterPortrait, new_id, utcnow

SAVES = 300
PRIMARIES = 200
PORTRAITS = 10_000
PAGES = 100


def run() -> dict[str, Any]:
    backends = ["sqlite"] + (["postgres"] if postgres_available() else [])
    figures: dict[str, Any] = {}
    for backend in backends:
        figures.update(_measure(backend))
    targets = [
        target("save p95 on SQLite (ms)", figures["sqlite.save"]["p95_ms"], "<", 10),
        target("first page of 48 at 10k portraits, p95 (ms)", figures["sqlite.first_page_48"]["p95_ms"], "<", 15),
    ]
    if "postgres.first_page_48" in figures:
        targets.append(target("first page of 48 at 10k portraits on PostgreSQL, p95 (ms)",
                              figures["postgres.first_page_48"]["p95_ms"], "<", 15))
    return {"figures": figures, "targets": targets}


def _measure(backend: str) -> dict[str, Any]:
    with bench_context(backend) as ctx:
        user = auth.create_user(ctx.db, "bench@example.com", "bench password")
        character = characters.create_character(ctx, user, {"name": "Bench", "description": "x" * 80})
        state = {"version": character.version}

        def save(i: int) -> None:
            saved = characters.update_character(ctx, user, character.id, {"persona": f"edit {i}"}, state["version"])
            state["version"] = saved.version

        save_samples = time_calls(save, SAVES)
        added = [portraits.add_portrait(ctx, user, character.id, image_url=f"/p{i}.png") for i in range(20)]
        primary_samples = time_calls(lambda i: portraits.set_primary(ctx, user, added[i % 20].id), PRIMARIES)
        _bulk_portraits(ctx, character.id, PORTRAITS - len(added))
        page_samples = time_calls(lambda _i: portraits.list_portraits(ctx, user, character.id, limit=48), PAGES)
    return {f"{backend}.save": summary_ms(save_samples), f"{backend}.set_primary": summary_ms(primary_samples),
            f"{backend}.first_page_48": summary_ms(page_samples)}


def _bulk_portraits(ctx: Any, character_id: str, n: int) -> None:
    now = utcnow()
    rows = [{"id": new_id(), "character_id": character_id, "image_url": f"/bulk{i}.png", "generation_metadata": {},
             "is_primary": False, "sort_order": 20 + i, "created_at": now, "updated_at": now} for i in range(n)]
    with ctx.db.write() as session:
        session.bulk_insert_mappings(CharacterPortrait, rows)  # type: ignore[arg-type]
