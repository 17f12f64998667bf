"""A collapsible section whose content is built the first time it opens.

A closed section costs nothing: the studio page builds only what a person sees, so it opens fast
even with the whole editor on it. Once built, the content stays (bindings keep it current).
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui


def lazy_expansion(text: str, *, icon: str, build: Callable[[], None], value: bool = False) -> ui.expansion:
    section = ui.expansion(text, icon=icon, value=value)
    built = False

    def ensure_built() -> None:
        nonlocal built
        if not built:
            built = True
            with section:
                build()

    if value:
        ensure_built()
    else:
        section.on_value_change(lambda event: ensure_built() if event.value else None)
    return section
