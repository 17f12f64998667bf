"""Pages: each module registers its routes and composes components."""

from __future__ import annotations

from core.context import Context


def register_pages(ctx: Context) -> None:
    from ui.pages import home_page

    home_page.register(ctx)
