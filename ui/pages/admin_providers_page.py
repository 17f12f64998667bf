"""``/admin/providers``: add, edit, switch off, delete, test and discover providers (admins only).

Everything goes through :mod:`core.admin.providers` (which applies the admin rule again); database
work runs in a worker thread (``run.io_bound``), the network calls are the service's own coroutines.
A non-admin gets the not-found page.
"""

from __future__ import annotations

from typing import Any

from nicegui import run, ui

from core.admin import models as admin_models
from core.admin import providers as admin_providers
from core.admin.provider_checks import CheckResult
from core.admin.providers import ProviderView
from core.container import Studio
from core.errors import StudioError, ValidationError
from core.models import User
from ui import theme
from ui.components.admin_discover_dialog import open_discover_dialog
from ui.components.admin_nav import admin_not_found, admin_tabs
from ui.components.admin_provider_card import ProviderActions, provider_card
from ui.components.admin_provider_form import open_provider_form
from ui.components.app_header import app_header
from ui.components.confirm_dialog import confirm
from ui.session import require_user_and


def register(studio: Studio) -> None:
    @ui.page("/admin/providers", title="Providers · Character Studio")
    async def providers_page() -> None:
        theme.apply()
        found = await require_user_and(studio, "/admin/providers", lambda user: _read(studio, user))
        if found is None:
            return
        user, rows = found
        app_header(user, single_user=studio.ctx.settings.auth == "none", title="Providers")
        if rows is None:
            admin_not_found()
            return
        ProvidersView(studio, user, rows).build()


def _read(studio: Studio, user: User) -> list[ProviderView] | None:
    return admin_providers.list_providers(studio.ctx, user) if user.is_admin else None


class ProvidersView:
    """One page instance: the list (redrawn from ``rows``) and the test results shown on the cards."""

    def __init__(self, studio: Studio, user: User, rows: list[ProviderView]) -> None:
        self.ctx = studio.ctx
        self.user = user
        self.rows = rows
        self.results: dict[str, CheckResult] = {}
        self.actions = ProviderActions(edit=self.edit, test=self.test, discover=self.discover, toggle=self.toggle,
                                       delete=self.delete)

    def build(self) -> None:
        with ui.column().classes(theme.NARROW_PAGE):
            admin_tabs("/admin/providers")
            with ui.row().classes("w-full items-center"):
                ui.label("Providers").classes(theme.PAGE_TITLE)
                ui.space()
                ui.button("Add provider", icon="add", on_click=self.add).props("no-caps").mark("add-provider")
            ui.label("Where images and suggestions come from. Keys are stored encrypted and never shown again; "
                     "a provider's environment variable, when set, wins over the stored key.").classes(theme.HINT)
            self.cards()
        self.dialogs = ui.element()  # dialogs live here, not in a card that a refresh replaces

    @ui.refreshable_method
    def cards(self) -> None:
        for row in self.rows:
            provider_card(row, self.actions, self.results.get(row.id))

    async def reload(self) -> None:
        self.rows = await run.io_bound(admin_providers.list_providers, self.ctx, self.user)
        self.cards.refresh()

    async def add(self) -> None:
        with self.dialogs:
            open_provider_form(None, lambda values: self._save(None, values))

    async def edit(self, provider: ProviderView) -> None:
        with self.dialogs:
            open_provider_form(provider, lambda values: self._save(provider.id, values))

    async def _save(self, provider_id: str | None, values: dict[str, Any]) -> dict[str, str] | None:
        try:
            if provider_id is None:
                saved = await run.io_bound(admin_providers.create_provider, self.ctx, self.user, values)
            else:
                saved = await run.io_bound(admin_providers.update_provider, self.ctx, self.user, provider_id, values)
        except ValidationError as exc:
            return exc.errors
        except StudioError as exc:
            return {"_": exc.message}
        self.results.pop(saved.id, None)
        ui.notify(f"Saved {saved.name}", type="positive")
        await self.reload()
        return None

    async def toggle(self, provider: ProviderView, active: bool) -> None:
        if active == provider.active:
            return
        try:
            await run.io_bound(admin_providers.update_provider, self.ctx, self.user, provider.id, {"active": active})
        except StudioError as exc:
            ui.notify(exc.message, type="negative")
        await self.reload()

    async def test(self, provider: ProviderView) -> None:
        try:
            self.results[provider.id] = await admin_providers.test_provider(self.ctx, self.user, provider.id)
        except StudioError as exc:
            self.results[provider.id] = CheckResult(False, exc.message, exc.code)
        self.cards.refresh()

    async def discover(self, provider: ProviderView) -> None:
        try:
            found = await admin_providers.discover(self.ctx, self.user, provider.id)
        except StudioError as exc:
            message = exc.errors.get("provider", exc.message) if isinstance(exc, ValidationError) else exc.message
            self.results[provider.id] = CheckResult(False, message, exc.code)
            self.cards.refresh()
            return
        with self.dialogs:
            open_discover_dialog(provider, found, lambda key, modality: self._add_model(provider, key, modality))

    async def _add_model(self, provider: ProviderView, model_key: str, modality: str) -> str | None:
        values: dict[str, Any] = {"provider_id": provider.id, "model_key": model_key, "modality": modality}
        if provider.kind == "comfyui":
            values.update(workflow_example="text_to_image", input_defaults={"model": model_key})
        try:
            await run.io_bound(admin_models.create_model, self.ctx, self.user, values)
        except StudioError as exc:
            return exc.message
        await self.reload()
        return None

    async def delete(self, provider: ProviderView) -> None:
        count = f" and its {provider.model_count} model{'s' * (provider.model_count != 1)}" if provider.model_count \
            else ""
        if not await confirm(f"Delete “{provider.name}”{count}?", ok_label="Delete"):
            return
        try:
            await run.io_bound(admin_providers.delete_provider, self.ctx, self.user, provider.id)
        except StudioError as exc:
            ui.notify(exc.message, type="negative")
        else:
            ui.notify(f"Deleted {provider.name}", type="positive")
        await self.reload()
