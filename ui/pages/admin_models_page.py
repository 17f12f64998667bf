"""``/admin/models``: the image and chat models, in routing order, to add, edit, reorder, switch off
and delete (admins only; others get the not-found page).

Everything goes through :mod:`core.admin.models`; database work runs in a worker thread.
"""

from __future__ import annotations

from typing import Any

from nicegui import run, ui

from core.admin import models as admin_models
from core.admin import providers as admin_providers
from core.admin.models import ModelView
from core.admin.providers import ProviderView
from core.container import Studio
from core.errors import StudioError, ValidationError
from core.models import User
from ui import theme
from ui.components.admin_model_form import open_model_form
from ui.components.admin_model_list import ModelActions, model_list
from ui.components.admin_nav import admin_not_found, admin_tabs
from ui.components.app_header import app_header
from ui.components.confirm_dialog import confirm
from ui.session import require_user_and

Lists = tuple[list[ModelView], list[ProviderView]]


def register(studio: Studio) -> None:
    @ui.page("/admin/models", title="Models · Character Studio")
    async def models_page() -> None:
        theme.apply()
        found = await require_user_and(studio, "/admin/models", lambda user: _read(studio, user))
        if found is None:
            return
        user, lists = found
        app_header(user, single_user=studio.ctx.settings.auth == "none", title="Models")
        if lists is None:
            admin_not_found()
            return
        ModelsView(studio, user, *lists).build()


def _read(studio: Studio, user: User) -> Lists | None:
    if not user.is_admin:
        return None
    return admin_models.list_models(studio.ctx, user), admin_providers.list_providers(studio.ctx, user)


class ModelsView:
    def __init__(self, studio: Studio, user: User, rows: list[ModelView], providers: list[ProviderView]) -> None:
        self.ctx = studio.ctx
        self.user = user
        self.rows = rows
        self.providers = providers
        self.actions = ModelActions(edit=self.edit, delete=self.delete, toggle=self.toggle, move=self.move,
                                    drop=self.drop)

    def build(self) -> None:
        with ui.column().classes(theme.NARROW_PAGE):
            admin_tabs("/admin/models")
            with ui.row().classes("w-full items-center"):
                ui.label("Models").classes(theme.PAGE_TITLE)
                ui.space()
                ui.button("Add model", icon="add", on_click=self.add).props("no-caps").mark("add-model")
            ui.label("Higher in a list is preferred: a portrait uses the first active image model that fits "
                     "(with a reference, the first I2I one), and falls back down the list. Move models with the "
                     "arrows.").classes(theme.HINT)
            self.lists()
        self.dialogs = ui.element()  # dialogs live here, not in a row that a refresh replaces

    @ui.refreshable_method
    def lists(self) -> None:
        model_list("Image models", self._of("image"), self.actions)
        model_list("Chat models (AI suggest)", self._of("chat"), self.actions)

    def _of(self, modality: str) -> list[ModelView]:
        return [row for row in self.rows if row.modality == modality]

    async def reload(self) -> None:
        self.rows = await run.io_bound(admin_models.list_models, self.ctx, self.user)
        self.lists.refresh()

    async def add(self) -> None:
        if not self.providers:
            ui.notify("Add a provider first", type="warning")
            return
        with self.dialogs:
            open_model_form(self.providers, None, lambda values: self._save(None, values))

    async def edit(self, row: ModelView) -> None:
        with self.dialogs:
            open_model_form(self.providers, row, lambda values: self._save(row.id, values))

    async def _save(self, model_id: str | None, values: dict[str, Any]) -> dict[str, str] | None:
        try:
            if model_id is None:
                saved = await run.io_bound(admin_models.create_model, self.ctx, self.user, values)
            else:
                saved = await run.io_bound(admin_models.update_model, self.ctx, self.user, model_id, values)
        except ValidationError as exc:
            return exc.errors
        except StudioError as exc:
            return {"_": exc.message}
        ui.notify(f"Saved {saved.display_name}", type="positive")
        await self.reload()
        return None

    async def toggle(self, row: ModelView, active: bool) -> None:
        if active == row.active:
            return
        await self._call(admin_models.update_model, self.ctx, self.user, row.id, {"active": active})

    async def move(self, row: ModelView, step: int) -> None:
        order = [r.id for r in self._of(row.modality)]
        index = order.index(row.id)
        target = index + step
        if not 0 <= target < len(order):
            return
        order[index], order[target] = order[target], order[index]
        await self._call(admin_models.reorder_models, self.ctx, self.user, order)

    async def drop(self, dragged_id: str, target: ModelView) -> None:
        """A model dragged onto ``target`` takes its place (within one modality: a drag from the other
        list, or from outside the page, is ignored)."""
        order = [r.id for r in self._of(target.modality)]
        if dragged_id == target.id or dragged_id not in order:
            return
        from_above = order.index(dragged_id) < order.index(target.id)  # then it lands below the target
        order.remove(dragged_id)
        order.insert(order.index(target.id) + (1 if from_above else 0), dragged_id)
        await self._call(admin_models.reorder_models, self.ctx, self.user, order)

    async def delete(self, row: ModelView) -> None:
        if not await confirm(f"Delete the model “{row.display_name}”?", ok_label="Delete"):
            return
        await self._call(admin_models.delete_model, self.ctx, self.user, row.id)

    async def _call(self, function: Any, *args: Any) -> None:
        try:
            await run.io_bound(function, *args)
        except StudioError as exc:
            ui.notify(exc.message, type="negative")
        await self.reload()
