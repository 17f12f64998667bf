"""Job rows: queued -> processing -> completed | failed | cancelled, as the seed's rollback pattern.

Every active job, queued or processing, has its ``updated_at`` touched as a heartbeat by the process
that owns it. A job whose heartbeat stopped (its process crashed) is failed by :func:`fail_stale_jobs`,
which every process runs periodically (:mod:`core.generation.job_runtime`), not only at start-up.

The concurrency limits are counted here, in the database, so they hold across processes: a job
moves from queued to processing only through :func:`claim_slot`, which counts the processing jobs
whose heartbeat is fresh (on PostgreSQL under an advisory lock, on SQLite under its write lock).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select, update

from core.db import Database
from core.errors import NotFound, StudioError
from core.models import Job, User, utcnow

STALE_AFTER = timedelta(seconds=60)  # the start-up sweep on PostgreSQL, before this process has any job
INTERRUPTED = "Interrupted: the server stopped while this job was running"
DEFAULT_ESTIMATE_S = 20.0  # the seed's estimate when a model has no history yet
ACTIVE = ("queued", "processing")
SET_JOB_TYPE = "expression_set"  # a set's job holds no slot: each of its labels is a job that claims one


class JobEnded(StudioError):
    """The job waiting for a slot was cancelled or failed meanwhile."""

    code = "job_ended"


_SLOTS_LOCK_KEY = 0x510_7510  # pg_advisory_xact_lock key: one slot claim at a time, across processes


def create_job(db: Database, actor: User, *, character_id: str | None, api_model_id: str | None, prompt: str,
               metadata: dict[str, Any], job_type: str = "character_portrait") -> Job:
    job = Job(user_id=actor.id, character_id=character_id, api_model_id=api_model_id, job_type=job_type,
              original_prompt=prompt, job_metadata=metadata, status="queued")
    with db.write() as session:
        session.add(job)
    return job


def mark_processing(db: Database, job_id: str, api_model_id: str | None = None) -> None:
    values: dict[str, Any] = {"status": "processing", "started_at": utcnow(), "updated_at": utcnow()}
    if api_model_id:
        values["api_model_id"] = api_model_id
    _update(db, job_id, values)


def heartbeat(db: Database, job_ids: list[str]) -> None:
    """Touch the heartbeat of these jobs (those still active): one statement for all of a process's jobs."""
    if not job_ids:
        return
    with db.write() as session:
        session.exec(update(Job).where(col(Job.id).in_(job_ids), col(Job.status).in_(ACTIVE))  # type: ignore[call-overload]
                     .values(updated_at=utcnow()))


def claim_slot(db: Database, job_id: str, user_id: str, *, per_user: int, overall: int,
               fresh_after: timedelta) -> bool:
    """Move a queued job to processing if the user and the whole studio are under their limits;
    False to wait. A job that is no longer queued (cancelled, or failed meanwhile) raises
    :class:`JobEnded`: waiting for it would never end.

    An expression set's own job is not counted: its labels' jobs are, one slot each.
    Only processing jobs with a heartbeat newer than ``fresh_after`` count: a crashed process's jobs
    stop holding slots as soon as they go stale, before the sweep has even failed them.
    """
    cutoff = utcnow() - fresh_after
    with db.write() as session:
        if not db.is_sqlite:
            session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SLOTS_LOCK_KEY})
        running = select(Job.user_id).where(col(Job.status) == "processing", col(Job.updated_at) >= cutoff,
                                            col(Job.job_type) != SET_JOB_TYPE)
        users = list(session.exec(running))
        status = session.exec(select(Job.status).where(col(Job.id) == job_id)).first()
        if status != "queued":
            raise JobEnded(f"Job {job_id} is {status or 'gone'}")
        if len(users) >= overall or users.count(user_id) >= per_user:
            return False
        now = utcnow()
        claimed = session.exec(update(Job).where(col(Job.id) == job_id, col(Job.status) == "queued")  # type: ignore[call-overload]
                               .values(status="processing", started_at=now, updated_at=now))
        return bool(claimed.rowcount)


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


def fail_stale_jobs(db: Database, stale_after: timedelta = STALE_AFTER, *,
                    alive: Iterable[str] = ()) -> list[Job]:
    """Fail every active job whose heartbeat is older than ``stale_after``, except the ``alive`` ones
    (the caller's own: it knows they run, however late its heartbeat); returns them (failed)."""
    cutoff = utcnow() - stale_after
    query = select(Job).where(col(Job.status).in_(ACTIVE), col(Job.updated_at) < cutoff)
    alive = list(alive)
    if alive:
        query = query.where(col(Job.id).not_in(alive))
    with db.write() as session:
        stale = list(session.exec(query.with_for_update()))
        now = utcnow()
        for job in stale:
            job.status, job.error_message, job.completed_at, job.updated_at = "failed", INTERRUPTED, now, now
            session.add(job)
        session.flush()
        for job in stale:
            session.expunge(job)
    return stale


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


def record_progress(db: Database, job_id: str, values: dict[str, Any]) -> None:
    """Merge progress figures (an expression set's ``done``) into an active job's metadata."""
    with db.write() as session:
        job = session.get(Job, job_id)
        if job is None or job.status not in ACTIVE:
            return
        job.job_metadata = {**job.job_metadata, **values}
        job.updated_at = utcnow()
        session.add(job)
