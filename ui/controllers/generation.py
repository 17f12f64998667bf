"""Portrait generation for one tab: check and save through the page's gate, run, follow the job.

What must hold before generating differs per page (the studio saves leniently, the create form
validates strictly), so the page composes that in as a ``GenerationGate``. The pipeline runs as a
background task; progress arrives as ``job.progress`` events for the tab's own job.
"""

from __future__ import annotations

import logging

from nicegui import background_tasks

from core.errors import StudioError
from core.events import Event, EventType
from core.generation.inputs import PortraitRequest
from core.models import Job
from ui.actions import GenerationGate
from ui.tab_session import TabSession

log = logging.getLogger(__name__)


class GenerationController:
    """Implements ``Generates``; ``active_job`` is the running job's id, for cancel and progress."""

    def __init__(self, session: TabSession, gate: GenerationGate) -> None:
        self.session = session
        self.state = session.state
        self._gate = gate
        self.active_job: str | None = None
        self.scene_id: str | None = None  # set while a scene's image is being made
        session.events.subscribe(self._on_event)

    async def generate(self, prompt: str | None = None, scene_id: str | None = None,
                       presets: dict[str, str] | None = None) -> None:
        """The seed's generatePortrait: one at a time, through the gate, then the pipeline."""
        if self.state.is_generating:
            self.session.notify("A portrait is already being generated", type="warning")
            return
        if not await self._gate.ready_for_generation():
            return
        options = self.session.options
        text = (prompt if prompt is not None else options.prompt) or ""
        request = PortraitRequest(character_id=self.state.character_id, prompt_override=text.strip() or None,
                                  reference_image_url=self.state.reference_image_url,
                                  api_model_id=options.model_id,
                                  presets=presets if presets is not None else
                                  {"pose": options.pose} if options.pose and not scene_id else {},
                                  scene_id=scene_id)
        self.scene_id = scene_id
        self.state.is_generating = True
        self.state.progress = 0.0
        background_tasks.create(self._run(request), name="generate-portrait")

    async def cancel_generation(self) -> None:
        if self.active_job:
            await self.session.studio.generation.cancel_job(self.session.user, self.active_job)

    async def _run(self, request: PortraitRequest) -> None:
        def on_job(job: Job) -> None:
            self.active_job = job.id

        session = self.session
        try:
            await session.studio.generation.generate_portrait(session.user, request, on_job=on_job)
            if request.scene_id:  # its card may be out of sight (another tab of the page): say so
                session.notify("The scene image is ready", type="positive")
        except StudioError as exc:
            session.notify(f"Generation failed: {exc.message}", type="negative")
        except Exception:  # noqa: BLE001 - the toast is all the person can act on
            log.exception("generation failed")
            session.notify("Generation failed; see the server log", type="negative")
        finally:
            self.scene_id = None  # before is_generating: the scene card's binding reads it then
            self.state.is_generating = False
            self.active_job = None

    def _on_event(self, event: Event) -> None:
        if event.type == EventType.JOB_PROGRESS and event.data.get("job_id") == self.active_job:
            self.state.progress = float(event.data.get("percent") or 0) / 100
