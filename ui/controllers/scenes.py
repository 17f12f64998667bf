"""The scenes of one tab's character: the list, save, delete, and a scene's image.

The list is reloaded on every ``scene.changed`` event (this tab's own saves included) and announced
through :attr:`SceneController.changed`, so every open tab redraws the same way. A scene needs a
stored character (``EnsuresSaved``); its image goes through the ``Generates`` capability the page
composes in.
"""

from __future__ import annotations

from typing import Any

from nicegui import Event as Signal
from nicegui import run

from core import scenes
from core.errors import StudioError
from core.events import Event, EventType
from core.models import CharacterScene
from ui.actions import EnsuresSaved, Generates
from ui.tab_session import TabSession


class SceneController:
    """Implements ``SceneActions``."""

    def __init__(self, session: TabSession, saved: EnsuresSaved, generation: Generates) -> None:
        self.session = session
        self.state = session.state
        self._saved = saved
        self._generation = generation
        self._scenes: list[CharacterScene] = []
        self.changed: Signal[[]] = Signal()  # after the list was reloaded
        session.events.subscribe(self._on_event)

    def scenes(self) -> list[CharacterScene]:
        return list(self._scenes)

    def generating_scene(self) -> str | None:
        return self._generation.scene_id if self.state.is_generating else None

    async def load(self) -> None:
        if self.state.character_id:
            found = await run.io_bound(scenes.list_scenes, self.session.ctx, self.session.user,
                                       self.state.character_id)
            self._scenes = found if found is not None else self._scenes

    async def save_scene(self, scene_id: str | None, data: dict[str, Any]) -> bool:
        if not await self._saved.ensure_saved():
            return False
        session = self.session
        try:
            if scene_id:
                await run.io_bound(scenes.update_scene, session.ctx, session.user, scene_id, data)
            else:
                await run.io_bound(scenes.create_scene, session.ctx, session.user, self.state.character_id, data)
        except StudioError as exc:
            session.notify(exc.message, type="negative")
            return False
        return True  # the list redraws on the scene.changed event, in every tab alike

    async def delete_scene(self, scene_id: str) -> None:
        session = self.session
        await session.call(scenes.delete_scene, session.ctx, session.user, scene_id, done="Scene deleted")

    async def generate_scene_image(self, scene_id: str) -> None:
        """From the scene as stored now (the dialog saves what was typed just before)."""
        await self.load()
        scene = next((s for s in self._scenes if s.id == scene_id), None)
        if scene is None:
            return
        prompt = (scene.scene_prompt or scene.scene_description or scene.scene_name)[:200]
        await self._generation.generate(prompt, scene_id=scene_id)

    async def _on_event(self, event: Event) -> None:
        if event.type not in (EventType.SCENE_CHANGED, EventType.RESYNC):
            return
        await self.load()
        self.changed.emit()
