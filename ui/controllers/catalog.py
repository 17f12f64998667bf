"""The choices a tab offers: templates, presets, image models and chat models.

They are the same for every character, so they are read once per tab and handed to the components
as plain lists (the components never ask the database themselves).
"""

from __future__ import annotations

from core.generation.routing import RoutedModel, list_image_models
from core.models import CharacterTemplate, Preset
from core.presets import list_presets
from core.suggest.character import chat_models
from core.templates import list_templates
from ui.tab_session import TabSession

BUILTIN_CHAT_LABEL = "Offline suggester (built-in)"


class Catalog:
    def __init__(self, session: TabSession) -> None:
        self.session = session
        self._templates: list[CharacterTemplate] | None = None
        self._models: list[RoutedModel] | None = None

    def templates(self) -> list[CharacterTemplate]:
        if self._templates is None:
            self._templates = list_templates(self.session.ctx.db, self.session.user)
        return self._templates

    def presets(self, kind: str) -> list[Preset]:
        return list_presets(self.session.ctx.db, kind)

    def chat_models(self) -> list[tuple[str, str]]:
        """(id, label) of the active chat models for the suggestion selector; the built-in one is offline."""
        return [(m.id, BUILTIN_CHAT_LABEL if p.name == "builtin" else m.display_name)
                for m, p in chat_models(self.session.ctx)]

    def image_models(self) -> list[RoutedModel]:
        if self._models is None:
            self._models = list_image_models(self.session.ctx.db)
        return self._models
