"""Generation progress as ``job.progress`` events: real where the protocol reports it, else estimated.

The estimate comes from the model's recent generation times (``jobs.estimated_duration_s``) and
never passes 95 % before the image is really there, so the bar does not lie about being done.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from core.events import Event, EventBus, EventType
from core.generation.providers.base import Progress

TICK_S = 0.5
ESTIMATE_CAP = 95.0


class ProgressReporter:
    """Publishes progress for one job; ``run_estimates`` ticks while the provider is silent on %."""

    def __init__(self, events: EventBus, job_id: str, key: str, estimate_s: float) -> None:
        self.events = events
        self.job_id = job_id
        self.key = key
        self.estimate_s = max(0.5, estimate_s)
        self.started = time.monotonic()
        self.percent = 0.0
        self._real_percent_at = 0.0

    def report(self, progress: Progress) -> None:
        """A provider's progress; a real percentage pauses the estimates for a second."""
        if progress.percent is not None:
            self._real_percent_at = time.monotonic()
            self.percent = max(self.percent, min(99.0, progress.percent))
        self._publish(progress.stage, progress.message, progress.queue_position, progress.eta_s)

    def stage(self, stage: str, percent: float | None = None, message: str | None = None) -> None:
        if percent is not None:
            self.percent = max(self.percent, percent)
        self._publish(stage, message, None, None)

    async def run_estimates(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            if time.monotonic() - self._real_percent_at < 1.0:
                continue
            elapsed = time.monotonic() - self.started
            estimate = min(ESTIMATE_CAP, elapsed / self.estimate_s * 100)
            if estimate > self.percent:
                self.percent = estimate
                self._publish("processing", None, None, max(0.0, self.estimate_s - elapsed))

    def _publish(self, stage: str, message: str | None, queue_position: int | None, eta_s: float | None) -> None:
        data: dict[str, Any] = {"job_id": self.job_id, "stage": stage, "percent": round(self.percent, 1)}
        if message:
            data["message"] = message[:300]
        if queue_position is not None:
            data["queue_position"] = queue_position
        if eta_s is not None:
            data["eta_s"] = round(eta_s, 1)
        self.events.publish(Event(EventType.JOB_PROGRESS, self.key, data))
