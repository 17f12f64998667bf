"""A notification with an Undo action that runs server-side code.

``ui.notify`` is fire-and-forget: its Quasar actions can only run JavaScript in the browser. A
``ui.notification`` is an element in the page, so its Quasar action emits an ``undo`` event on that
element and the Python handler registered with ``.on("undo", ...)`` runs, like any other event.
Clicking the action closes the notification (Quasar's default), which deletes the element.
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

UNDO_SECONDS = 10.0  # long enough to read the message and reach the button on a phone


def undo_notice(message: str, on_undo: Callable[[], None], *, type: str = "positive") -> ui.notification:  # noqa: A002
    """Show ``message`` with an Undo button; ``on_undo`` runs (once) when it is pressed."""
    notice = ui.notification(message, type=type, timeout=UNDO_SECONDS, close_button=False)  # type: ignore[arg-type]
    notice.mark("undo-notice")
    notice._props["options"]["actions"] = [{  # noqa: SLF001 - Quasar's Notify options are this element's props
        "label": "Undo", "color": "white", "noCaps": True, "data-testid": "undo-action",
        "aria-label": f"Undo: {message}", ":handler": f"() => getElement({notice.id}).$emit('undo')",
    }]
    notice.on("undo", lambda: on_undo())
    return notice
