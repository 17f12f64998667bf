"""One open studio tab, composed: the session and the controllers that share it.

Each controller takes the session and, where it needs another's capability, that capability only
(a protocol from :mod:`ui.actions`); this is the one place that knows which object provides which.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from core.container import Studio
from core.models import User
from ui.controllers.cards import CardController
from ui.controllers.catalog import Catalog, CatalogLists
from ui.controllers.character import CharacterController
from ui.controllers.expressions import ExpressionController
from ui.controllers.gallery import GalleryController
from ui.controllers.generation import GenerationController
from ui.controllers.presets import PresetController
from ui.controllers.reference import ReferenceController
from ui.controllers.scenes import SceneController
from ui.controllers.suggestions import SuggestionController
from ui.tab_session import TabSession


@dataclass(frozen=True)
class StudioTab:
    session: TabSession
    catalog: Catalog
    character: CharacterController
    suggestions: SuggestionController
    reference: ReferenceController
    generation: GenerationController
    gallery: GalleryController
    scenes: SceneController
    cards: CardController
    presets: PresetController
    expressions: ExpressionController

    @classmethod
    def compose(cls, studio: Studio, user: User, *, role: str = "ai", lists: CatalogLists | None = None,
                on_created: Callable[[str], None] | None = None) -> StudioTab:
        """Build inside the page (its UI context), so the controllers' subscriptions end with the tab;
        ``lists``: the catalog's, when the page read them with its opening."""
        session = TabSession(studio, user, role=role)
        character = CharacterController(session, on_created=on_created)
        generation = GenerationController(session, gate=character)
        return cls(session=session, catalog=Catalog(session, lists), character=character,
                   suggestions=SuggestionController(session),
                   reference=ReferenceController(session, saved=character), generation=generation,
                   gallery=GalleryController(session, generation=generation),
                   scenes=SceneController(session, saved=character, generation=generation),
                   cards=CardController(session), presets=PresetController(session),
                   expressions=ExpressionController(session))

    async def load_content(self) -> None:
        """Once connected, side by side: the first page of portraits (again: a portrait made since the
        page read it is added), the scenes and the choices (unless given)."""
        await asyncio.gather(self.gallery.load(), self.scenes.load(), self.catalog.load())
