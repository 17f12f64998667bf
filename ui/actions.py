"""What the parts of a tab may ask of each other: small protocols, each naming one capability.

Components take the state objects plus the narrowest of these (or a single callback), never a
database session, a core service or a whole controller, so one component serves the studio and the
create form alike, and a test can hand it a stub. The controllers in :mod:`ui.controllers` implement
them; where one controller needs another's capability (scenes need a saved character,
the gallery needs generation) it takes that capability through a protocol here, never the other
controller's class, so no controller module imports another.
"""

from __future__ import annotations

from typing import Any, Protocol

from nicegui import Event as Signal

from core.generation.routing import RoutedModel
from core.models import CharacterScene, Preset
from core.reference_images import LibraryImage

# -- between controllers ---------------------------------------------------------------------------


class EnsuresSaved(Protocol):
    async def ensure_saved(self) -> bool:
        """True once the character exists in the database (a new one is created silently first)."""
        ...


class GenerationGate(Protocol):
    async def ready_for_generation(self) -> bool:
        """Check the fields and save what generation reads; False (after saying why) stops it."""
        ...


class Generates(Protocol):
    scene_id: str | None  # the scene whose image is being made, while it is

    async def generate(self, prompt: str | None = None, scene_id: str | None = None,
                       presets: dict[str, str] | None = None) -> None: ...


# -- for components ---------------------------------------------------------------------------------


class Choices(Protocol):
    """The lists a tab offers (read once per tab, never by a component)."""

    def presets(self, kind: str) -> list[Preset]: ...
    def image_models(self) -> list[RoutedModel]: ...
    def chat_models(self) -> list[tuple[str, str]]: ...


# Suggestions: ``ui.suggestion_state.SuggestionActions`` (ask, then accept, refuse or try again), beside
# the proposals' state it names.


class AppearanceActions(Protocol):
    """Appearance presets: whether one is applied (read off the tags), and applying or removing it."""

    def preset_applied(self, preset: Preset) -> bool: ...
    async def toggle_preset(self, preset: Preset) -> None: ...


class ReferenceActions(Protocol):
    async def upload_reference(self, data: bytes, filename: str) -> None: ...
    async def library(self) -> list[LibraryImage]: ...
    async def pick_reference(self, image: LibraryImage) -> None: ...
    async def remove_reference(self) -> None: ...


class Library(Protocol):
    async def library(self) -> list[LibraryImage]: ...


class PortraitActions(Protocol):
    """What one portrait offers (the tile's menu, the lightbox)."""

    async def set_primary(self, portrait_id: str) -> None: ...
    async def delete_portrait(self, portrait_id: str) -> None: ...
    async def use_as_reference(self, portrait_id: str) -> None: ...
    async def download(self, portrait_id: str) -> None:
        """Download the full image, named after the character (``Iris Vale 3.png``)."""
        ...


class GalleryActions(PortraitActions, Protocol):
    async def load_more(self) -> None: ...


class LightboxActions(PortraitActions, Protocol):
    async def regenerate(self, portrait_id: str, prompt: str) -> None: ...


class SceneEditing(Protocol):
    """What the scene dialog needs: save the form, make the scene's image."""

    async def save_scene(self, scene_id: str | None, data: dict[str, Any]) -> bool: ...
    async def generate_scene_image(self, scene_id: str) -> None: ...


class SceneActions(SceneEditing, Protocol):
    """The Scenes tab: the list (and its change signal), delete, and the dialog's actions."""

    changed: Signal[[]]  # emitted after the scene list changed

    def scenes(self) -> list[CharacterScene]: ...
    def generating_scene(self) -> str | None:
        """The scene whose image is being made now, if any (its card shows the progress)."""
        ...
    async def delete_scene(self, scene_id: str) -> None: ...
