"""A SillyTavern set cut short by ``kill -9`` of the server is finished by the next ``python main.py``: the
labels done before the kill keep their image, only the missing ones are made, and no job stays active
(issue 16: "SIGKILL in the middle of a set, then a restart, finishes the missing labels").

Everything is real: two ``main.py`` processes one after the other on the same data dir and port, the set
started over the HTTP API with a bearer token, the built-in renderer (a 28-label set takes it several
seconds, ample time to kill it part-way), and the restarted process's start-up, which fails the dead
process's jobs as interrupted (one SQLite file has one server) and so resumes the set. The test reads the
SQLite file and the stored files the app wrote; it never touches the app's rows itself. The snapshot of
what was done is taken after the kill, so no label can complete between reading it and the kill.
"""

from __future__ import annotations

import hashlib
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import col, select

from core.context import Context
from core.expressions.labels import SILLYTAVERN
from core.generation import jobs
from core.models import ExpressionImage, ExpressionLabel, ExpressionSet, Job
from storage.base import USER_LIBRARY
from tests.support.app_process import StudioApp, start_studio, wait_until
from tests.support.factories import DESCRIPTION

KILL_AFTER = 3  # labels completed before the kill: well past the start, far from the 28th
SET_START_S = 30  # the first labels on the built-in renderer, on a loaded machine
# The restart, then the rest of the set (the start-up sweep fails the dead jobs at once on SQLite; the
# periodic one, 10-15 s after, would too).
RESUME_S = 45


@dataclass(frozen=True)
class Done:
    """A completed label as the killed process left it: its chosen image and what that image's file held."""

    image_id: str
    storage_path: str
    digest: str
    images: int


@dataclass(frozen=True)
class Snapshot:
    set_id: str
    job_id: str
    done: dict[str, Done]
    missing: list[str]


def _client(app: StudioApp, token: str) -> httpx.Client:
    return httpx.Client(base_url=app.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30.0)


def _character_with_face(client: httpx.Client) -> str:
    """A character and its primary portrait, both through the API (the portrait from the built-in renderer)."""
    response = client.post("/api/v1/characters", json={
        "name": "Aria", "description": DESCRIPTION, "appearance_tags": ["red hair", "green eyes"]})
    assert response.status_code == 201, response.text
    character_id: str = response.json()["id"]
    portrait = client.post("/functions/v1/character-portrait", json={"characterId": character_id})
    assert portrait.status_code == 200, portrait.text
    return character_id


def _labels(ctx: Context, set_id: str) -> list[ExpressionLabel]:
    with ctx.db.read() as session:
        return list(session.exec(select(ExpressionLabel).where(ExpressionLabel.set_id == set_id)
                                 .order_by(col(ExpressionLabel.position))))


def _completed(ctx: Context, set_id: str) -> int:
    return sum(1 for item in _labels(ctx, set_id) if item.status == "completed")


def _digest(ctx: Context, key: str) -> str:
    return hashlib.sha256(ctx.storage.get(USER_LIBRARY, key)).hexdigest()


def _images_per_label(ctx: Context, set_id: str) -> dict[str, list[ExpressionImage]]:
    with ctx.db.read() as session:
        names = {item.id: item.label for item in
                 session.exec(select(ExpressionLabel).where(ExpressionLabel.set_id == set_id))}
        found: dict[str, list[ExpressionImage]] = {name: [] for name in names.values()}
        for image in session.exec(select(ExpressionImage).where(ExpressionImage.set_id == set_id)):
            found[names[image.label_id]].append(image)
    return found


def _snapshot(ctx: Context, character_id: str) -> Snapshot:
    """What the killed process left, read after it is gone (so nothing changes while it is read)."""
    with ctx.db.read() as session:
        row = session.exec(select(ExpressionSet).where(ExpressionSet.character_id == character_id)).one()
    assert row.job_id
    images = _images_per_label(ctx, row.id)
    done: dict[str, Done] = {}
    missing: list[str] = []
    for item in _labels(ctx, row.id):
        if item.status != "completed":
            missing.append(item.label)
            continue
        chosen = next(image for image in images[item.label] if image.id == item.chosen_image_id)
        assert chosen.storage_path
        done[item.label] = Done(chosen.id, chosen.storage_path, _digest(ctx, chosen.storage_path),
                                len(images[item.label]))
    return Snapshot(row.id, row.job_id, done, missing)


def _job(ctx: Context, job_id: str) -> Job:
    with ctx.db.read() as session:
        job = session.get(Job, job_id)
    assert job is not None, job_id
    return job


def _resumed_job(ctx: Context, set_id: str, old_job_id: str) -> Job | None:
    """The set's new job once it has ended (None while the set still waits for or runs its resumed job)."""
    with ctx.db.read() as session:
        row = session.get(ExpressionSet, set_id)
    if row is None or not row.job_id or row.job_id == old_job_id:
        return None
    job = _job(ctx, row.job_id)
    return None if job.status in jobs.ACTIVE else job


def _active_jobs(ctx: Context, user_id: str) -> list[dict[str, Any]]:
    with ctx.db.read() as session:
        rows = session.exec(select(Job).where(Job.user_id == user_id, col(Job.status).in_(jobs.ACTIVE)))
        return [{"id": job.id, "type": job.job_type, "status": job.status, "meta": job.job_metadata} for job in rows]


def test_a_set_killed_part_way_is_finished_after_a_restart_without_starting_over(tmp_path: Path) -> None:
    first = start_studio(data_dir=tmp_path)
    port = int(first.base_url.rsplit(":", 1)[1])
    try:
        user_id = first.local_user().id
        with _client(first, first.create_token("expression restart")) as client:
            character_id = _character_with_face(client)
            started = client.post(f"/api/v1/characters/{character_id}/expressions", json={"preset": "sillytavern"})
            assert started.status_code == 202, started.text
            assert started.json()["labels"] == list(SILLYTAVERN)
        with first.ctx.db.read() as session:
            set_id = session.exec(select(ExpressionSet.id).where(ExpressionSet.character_id == character_id)).one()
        wait_until(lambda: _completed(first.ctx, set_id) >= KILL_AFTER, SET_START_S,
                   f"{KILL_AFTER} labels of the set", interval=0.02)
        os.kill(first.pid, signal.SIGKILL)
        first.process.wait(timeout=10)
        before = _snapshot(first.ctx, character_id)
        killed_job = _job(first.ctx, before.job_id)
    finally:
        first.stop()
    (tmp_path / "server.log").rename(tmp_path / "server-killed.log")  # the restart writes a new one

    assert before.job_id == started.json()["jobId"]
    assert KILL_AFTER <= len(before.done) < len(SILLYTAVERN), f"the kill came too late: {sorted(before.done)}"
    assert all(done.images == 1 for done in before.done.values())
    assert killed_job.status in jobs.ACTIVE  # the kill left the set's job unfinished

    second = start_studio(data_dir=tmp_path, port=port)
    try:
        ctx = second.ctx
        resumed = wait_until(lambda: _resumed_job(ctx, set_id, before.job_id), RESUME_S,
                             "the restarted server to resume the set and end its new job", interval=0.1)
        labels = _labels(ctx, set_id)
        images = _images_per_label(ctx, set_id)
        old_job = _job(ctx, before.job_id)
        active = _active_jobs(ctx, user_id)
    finally:
        second.stop()

    # The old job was failed as interrupted; a new one carried on with exactly the labels still missing.
    assert (old_job.status, old_job.error_message) == ("failed", jobs.INTERRUPTED)
    errors = {item.label: (item.status, item.error_message) for item in labels if item.status != "completed"}
    assert resumed.status == "completed", (resumed.status, resumed.error_message, errors)
    assert resumed.job_metadata["resumed_from"] == before.job_id
    assert resumed.job_metadata["labels"] == before.missing
    assert resumed.job_metadata["done"] == len(before.missing) and not resumed.job_metadata["failed"], \
        (resumed.error_message, errors)

    # Every label has its image now; the ones done before the kill kept theirs, and got no other.
    assert [item.label for item in labels] == list(SILLYTAVERN)
    assert {item.label: item.status for item in labels} == dict.fromkeys(SILLYTAVERN, "completed")
    for item in labels:
        chosen = [image for image in images[item.label] if image.id == item.chosen_image_id]
        assert chosen and chosen[0].storage_path and second.ctx.storage.exists(USER_LIBRARY, chosen[0].storage_path)
    for label, done in before.done.items():
        item = next(item for item in labels if item.label == label)
        assert item.chosen_image_id == done.image_id, label
        assert len(images[label]) == done.images, f"{label} was made again"
        assert _digest(ctx, done.storage_path) == done.digest, label

    # Nothing of this user is left queued or processing: no job hangs.
    assert active == []
