"""Make a clickable element a keyboard button too: focusable, announced, opened with Enter or Space.

A tile or a card that reacts to a click is invisible to the keyboard and to a screen reader unless it
says it is a button (``role``), can take focus (``tabindex=0``) and has a name. Its keys are bound
with Vue's ``.self``, so Enter on a real button inside it (a tile's menu, a card's Delete) stays that
button's; ``.prevent`` keeps Space from scrolling the page.
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

#: One listener for both keys: Vue's key filter passes either, and wraps ``.self.prevent`` (a Tab or an
#: arrow key is neither filtered out nor prevented). A tile costs one listener less in the first answer.
ACTIVATE_KEYS = "keydown.enter.space.self.prevent"


def button_like(element: ui.element, label: str, activate: Callable[[], object]) -> ui.element:
    """``element`` takes focus, is named ``label`` for assistive technology, and runs ``activate`` on
    Enter or Space (its click handler stays the caller's)."""
    element.props("tabindex=0 role=button")
    element.props["aria-label"] = label  # set as a value: free text (a name) is never parsed as props
    element.on(ACTIVATE_KEYS, activate)
    return element
