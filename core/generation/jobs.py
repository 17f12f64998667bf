"""Job rows: queued -> processing -> completed | failed | cancelled, as the seed's rollback pattern.

A running job touches ``updated_at`` as a heartbeat; a job whose heartbeat stopped (its process
crashed) is marked failed by :func:`fail_stale_jobs` at the next start-up and periodically after.
"""

from __future__ import annotations

import statistics
from datetime import timedelta
from typing import Any

from sqlmodel import col, select, update

from core.db import Database
from core.errors import NotFound
from core.models import Job, User, utcnow

STALE_AFTER = timedelta(seconds=60)
INTERRUPTED = "Interrupted: the server stopped while this job was running"
DEFAULT_ESTIMATE_S = 20.0  # the seed's estimate when a model has no history yet
ACTIVE = ("queued", "processing")


def create_job(db: Database, actor: User, *, character_id: str | None, api_model_id: str | None, prompt: str,
               metadata: dict[str, Any]) -> Job:
    job = Job(user_id=actor.id, character_id=character_id, api_model_id=api_model_id,
              original_prompt=prompt, job_metadata=metadata, status="queued")
    with db.write() as session:
        session.add(job)
    return job


def mark_processing(db: Database, job_id: str, api_model_id: str | None = None) -> None:
    values: dict[str, Any] = {"status": "processing", "started_at": utcnow(), "updated_at": utcnow()}
    if api_model_id:
        values["api_model_id"] = api_model_id
    _update(db, job_id, values)


def heartbeat(db: Database, job_id: str) -> None:
    _update(db, job_id, {"updated_at": utcnow()}, only_active=True)


def finish_job(db: Database, job_id: str, status: str, *, error: str | None = None,
               metadata: dict[str, Any] | None = None) -> None:
    """Record the outcome; an already finished job (say, cancelled meanwhile) keeps its status."""
    with db.write() as session:
        job = session.get(Job, job_id)
        if job is None or job.status not in ACTIVE:
            return
        job.status = status
        job.error_message = error[:2000] if error else None
        job.completed_at = job.updated_at = utcnow()
        if metadata:
            job.job_metadata = {**job.job_metadata, **metadata}
        session.add(job)


def get_job(db: Database, actor: User, job_id: str) -> Job:
    with db.read() as session:
        job = session.get(Job, job_id) if job_id else None
    if job is None or job.user_id != actor.id:
        raise NotFound("Job not found")
    return job


def fail_stale_jobs(db: Database, stale_after: timedelta = STALE_AFTER) -> int:
    """Mark failed every active job whose heartbeat is older than ``stale_after``; returns how many."""
    cutoff = utcnow() - stale_after
    with db.write() as session:
        result = session.exec(update(Job)  # type: ignore[call-overload]
                              .where(col(Job.status).in_(ACTIVE), col(Job.updated_at) < cutoff)
                              .values(status="failed", error_message=INTERRUPTED, completed_at=utcnow(),
                                      updated_at=utcnow()))
        return int(result.rowcount or 0)


def estimated_duration_s(db: Database, api_model_id: str | None, default: float = DEFAULT_ESTIMATE_S) -> float:
    """The median of the model's last 20 generation times, for progress where the protocol has none."""
    if not api_model_id:
        return default
    with db.read() as session:
        rows = session.exec(select(Job.job_metadata).where(Job.api_model_id == api_model_id,
                                                           Job.status == "completed")
                            .order_by(col(Job.completed_at).desc()).limit(20))
        times = [float(m["generation_time_ms"]) / 1000 for m in rows
                 if isinstance(m, dict) and isinstance(m.get("generation_time_ms"), int | float)]
    return statistics.median(times) if times else default


def _update(db: Database, job_id: str, values: dict[str, Any], only_active: bool = False) -> None:
    with db.write() as session:
        stmt = update(Job).where(col(Job.id) == job_id)
        if only_active:
            stmt = stmt.where(col(Job.status).in_(ACTIVE))
        session.exec(stmt.values(**values))  # type: ignore[call-overload]
