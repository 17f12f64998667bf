"""The choices a tab offers: presets, image models and chat models, and the templates.

They are the same for every character, so a tab reads them once, in a worker thread (never on the
event loop), before the parts that show them are built, and hands them to the components as plain
lists. The studio and the create form read them with their opening reads (:func:`read_lists`, one
trip); :meth:`Catalog.load` reads them for a page that builds those parts only once connected.
Templates are read the first time the template dialog asks.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from nicegui import run

from core.context import Context
from core.generation.routing import RoutedModel, list_image_models
from core.models import CharacterTemplate, Preset
from core.presets import list_presets
from core.suggest.character import chat_models
from core.templates import list_templates
from ui.tab_session import TabSession

BUILTIN_CHAT_LABEL = "Offline suggester (built-in)"
PRESET_KINDS_SHOWN = ("appearance", "pose")


@dataclass(frozen=True)
class CatalogLists:
    presets: dict[str, list[Preset]]
    image_models: list[RoutedModel]
    chat_models: list[tuple[str, str]]  # (id, label); the built-in one is the offline suggester


def read_lists(ctx: Context) -> CatalogLists:
    """Blocking: every list the editor shows, for a worker thread."""
    chat = [(m.id, BUILTIN_CHAT_LABEL if p.kind == "builtin" else m.display_name) for m, p in chat_models(ctx)]
    return CatalogLists(presets={kind: list_presets(ctx.db, kind) for kind in PRESET_KINDS_SHOWN},
                        image_models=list_image_models(ctx.db), chat_models=chat)


class Catalog:
    """Implements ``Choices`` once its lists are there (given, or :meth:`load`-ed)."""

    def __init__(self, session: TabSession, lists: CatalogLists | None = None) -> None:
        self.session = session
        self._lists = lists
        self._loading: asyncio.Future[CatalogLists | None] | None = None
        self._templates: list[CharacterTemplate] | None = None

    async def load(self) -> None:
        """Read the lists in a worker thread, once, however many parts ask at the same time."""
        if self._lists is not None:
            return
        if self._loading is None:
            self._loading = asyncio.ensure_future(run.io_bound(read_lists, self.session.ctx))
        self._lists = await asyncio.shield(self._loading)

    def presets(self, kind: str) -> list[Preset]:
        return self._loaded().presets[kind]

    def image_models(self) -> list[RoutedModel]:
        return self._loaded().image_models

    def chat_models(self) -> list[tuple[str, str]]:
        return self._loaded().chat_models

    async def templates(self) -> list[CharacterTemplate]:
        if self._templates is None:
            found = await run.io_bound(list_templates, self.session.ctx.db, self.session.user)
            self._templates = found if found is not None else []
        return self._templates

    def _loaded(self) -> CatalogLists:
        if self._lists is None:  # a part was built before its page loaded the lists: a bug, not a state
            raise RuntimeError("the catalog is read in a worker thread first: await Catalog.load()")
        return self._lists
