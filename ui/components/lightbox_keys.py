"""Arrow keys and Esc for a viewer dialog: ← and → step, Esc closes, only while the dialog is open.

Both viewers (portraits and expressions) take the keys the same way, so the rule lives here: the
keyboard listens only while its dialog is open (a closed viewer must not eat the page's arrow keys),
and it ignores typing in inputs but not buttons (focus starts on Close, and the arrows still step).
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui
from nicegui.events import KeyEventArguments, ValueChangeEventArguments


def lightbox_keys(dialog: ui.dialog, step: Callable[[int], None]) -> ui.keyboard:
    """A keyboard bound to ``dialog``: build it in the same parent as the dialog."""

    def on_key(event: KeyEventArguments) -> None:
        if not event.action.keydown:
            return
        if event.key.arrow_left:
            step(-1)
        elif event.key.arrow_right:
            step(1)
        elif event.key.escape:
            dialog.close()

    keyboard = ui.keyboard(on_key=on_key, active=False, ignore=["input", "select", "textarea"])

    def follow(event: ValueChangeEventArguments) -> None:
        keyboard.active = bool(event.value)

    dialog.on_value_change(follow)
    return keyboard
