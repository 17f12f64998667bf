"""A collapsible section whose content is built the first time it opens.

A closed section costs nothing: the studio page builds only what a person sees, so it opens fast
even with the whole editor on it. Once built, the content stays (bindings keep it current).
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from ui.components.deferred import Deferred


def lazy_expansion(text: str, *, icon: str, build: Callable[[], None], value: bool = False) -> ui.expansion:
    section = ui.expansion(text, icon=icon, value=value)
    Deferred(section, build).on_first_view(section, shown=True)
    return section
