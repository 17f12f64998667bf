"""The header's theme button: automatic (the system's choice) → dark → light → automatic.

Its accessible name and tooltip say the current mode and the next one, so a screen-reader user hears
what the page looks like now; the choice is remembered for the person (:mod:`ui.theme`).
"""

from __future__ import annotations

from nicegui import ui

from ui import theme


def theme_toggle() -> ui.button:
    mode = theme.current_mode()
    button = ui.button(icon=theme.MODE_ICONS[mode]) \
        .props('flat round dense data-testid="theme-toggle"').mark("theme-toggle")
    with button:
        tip = ui.tooltip(theme.mode_label(mode))

    def show(shown: theme.Mode) -> None:
        button.props(f'icon={theme.MODE_ICONS[shown]} aria-label="{theme.mode_label(shown)}" '
                     f'data-theme-mode={shown}')
        tip.text = theme.mode_label(shown)

    def cycle() -> None:
        chosen = theme.next_mode(theme.current_mode())
        theme.set_mode(chosen)
        show(chosen)

    button.on_click(cycle)
    show(mode)
    return button
