"""A secret shown once on the admin pages (an invite link, a temporary password) with a copy button.

Only a digest of an invite is kept and a temporary password is only hashed, so this box is the one
time the admin sees the value: it says so, and offers a copy button with an accessible name.
"""

from __future__ import annotations

from nicegui import ui


def shown_once(box: ui.column, value: str, *, title: str, what: str, marker: str) -> None:
    """Replace ``box``'s content with ``value`` (marked ``marker``), a warning and Copy / Done."""
    box.clear()
    with box, ui.card().classes("w-full bg-notice").props("flat bordered").mark(f"{marker}-box"):
        with ui.row().classes("items-center gap-2 no-wrap"):
            ui.icon("warning", color="warning")
            ui.label(f"{title}: copy it now, it will not be shown again.").classes("font-medium")
        with ui.row().classes("w-full items-center gap-2 no-wrap"):
            ui.label(value).classes("font-mono text-sm break-all flex-grow").mark(marker) \
                .props(f'data-testid="{marker}"')

            async def copy() -> None:
                await ui.clipboard.write(value)
                ui.notify(f"{what} copied", type="positive")

            ui.button(icon="content_copy", on_click=copy) \
                .props(f'flat round aria-label="Copy {what.lower()}" data-testid="copy-{marker}"') \
                .mark(f"copy-{marker}")
        ui.button("Done", on_click=box.clear).props("flat no-caps").mark(f"{marker}-done")
