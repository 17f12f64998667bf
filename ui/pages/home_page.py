"""``/``: the landing page (the studio proper lands with the UI issue)."""

from __future__ import annotations

from nicegui import ui

from core.container import Studio


def register(studio: Studio) -> None:
    @ui.page("/")
    def home() -> None:
        ui.label("Character Studio is up").classes("text-2xl").props('data-testid="app-up"')
        ui.label(f"Database: {studio.ctx.db.engine.dialect.name} · storage: {studio.ctx.settings.storage}")
