"""Open a dialog that is deleted once it closes.

A closed ``ui.dialog`` stays in the page (hidden), so dialogs built per opening would pile up in a
long-lived tab and stale copies would linger. Deleting from inside the dialog's own value-change
handler breaks NiceGUI's update of that same change, so the deletion waits on ``dialog.submitted``,
which NiceGUI sets when the dialog closes, is submitted, or is deleted with its client.
"""

from __future__ import annotations

from nicegui import background_tasks, ui


def show_transient(dialog: ui.dialog) -> ui.dialog:
    """Open ``dialog`` now; delete it after it closes."""
    closed = dialog.submitted
    closed.clear()
    dialog.open()

    async def delete_when_closed() -> None:
        await closed.wait()
        if not dialog.is_deleted:
            dialog.delete()

    background_tasks.create(delete_when_closed(), name="transient-dialog")
    return dialog
