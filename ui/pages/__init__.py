"""Pages: each module registers its routes and composes components."""

from __future__ import annotations

from core.container import Studio


def register_pages(studio: Studio) -> None:
    from ui.pages import home_page

    home_page.register(studio)
