"""The reference image of one tab's character: upload, pick from the library, remove.

A reference needs a stored character to hang on, so a new one is saved first through the
``EnsuresSaved`` capability the page composes in (the character controller, under its page's rules).
"""

from __future__ import annotations

from core.errors import StudioError
from core.reference_images import LibraryImage, clear_reference, list_library, upload_reference, use_stored_image
from ui.actions import EnsuresSaved
from ui.components.file_picker import one_sentence
from ui.tab_session import TabSession


class ReferenceController:
    """Implements ``ReferenceActions``; core's reference-image services are async (off the loop)."""

    def __init__(self, session: TabSession, saved: EnsuresSaved) -> None:
        self.session = session
        self.state = session.state
        self._saved = saved

    async def upload_reference(self, data: bytes, filename: str) -> None:
        if not await self._saved.ensure_saved():
            return
        session = self.session
        try:
            row = await upload_reference(session.ctx, session.user, self.state.character_id, data)
        except (StudioError, ValueError) as exc:
            session.notify(one_sentence(getattr(exc, "message", str(exc))), type="negative")  # one plain sentence
            return
        self.state.reference_image_url = row.reference_image_url
        session.notify("Reference image set: portraits will keep this face", type="positive")

    async def library(self) -> list[LibraryImage]:
        return await list_library(self.session.ctx, self.session.user)

    async def pick_reference(self, image: LibraryImage) -> None:
        if not await self._saved.ensure_saved():
            return
        row = await use_stored_image(self.session.ctx, self.session.user, self.state.character_id,
                                     image.bucket, image.key)
        self.state.reference_image_url = row.reference_image_url

    async def remove_reference(self) -> None:
        if self.state.character_id is None:
            self.state.reference_image_url = None
            return
        row = await clear_reference(self.session.ctx, self.session.user, self.state.character_id)
        self.state.reference_image_url = row.reference_image_url
