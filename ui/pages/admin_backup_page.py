"""``/admin/backup``: download the whole studio as one archive, and restore one into an empty instance.

The download is an HTTP download streamed as the archive is made (:mod:`ui.card_downloads`'s
one-time link, never the websocket). The restore is offered only while the instance is empty
(core's rule, :data:`core.backup.EMPTY_RULE`); the page says what stands in the way otherwise. The
browser sends the chosen file itself as the body of a one-time link (:mod:`ui.restore_upload`), so
a large archive never passes through the page. Non-admins get the not-found page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from nicegui import ui
from nicegui.events import GenericEventArguments

from core.admin_access import require_admin
from core.backup import EMPTY_RULE, backup_filename, backup_stream
from core.backup.restore import emptiness_problems
from core.container import Studio
from core.context import Context
from core.models import User
from ui import theme
from ui.card_downloads import offer_to_tab
from ui.components.admin_nav import admin_not_found, admin_tabs
from ui.components.app_header import app_header
from ui.restore_upload import links
from ui.session import require_user_and

DONE_EVENT = "studio_restore_done"


def register(studio: Studio) -> None:
    @ui.page("/admin/backup", title="Backup · Character Studio")
    async def backup_page() -> None:
        theme.apply()
        found = await require_user_and(studio, "/admin/backup", lambda user: _obstacles(studio.ctx, user))
        if found is None:
            return
        user, obstacles = found
        app_header(user, single_user=studio.ctx.settings.auth == "none", title="Backup")
        if obstacles is None:
            admin_not_found()
            return
        _page(studio.ctx, user, obstacles)


@dataclass(frozen=True)
class BackupDownload:
    """The archive, made as the browser fetches it (size unknown until then)."""

    ctx: Context
    filename: str
    media_type: str = "application/x-tar"
    size: int | None = None

    def stream(self) -> Iterator[bytes]:
        """Blocking: the download route iterates it in a worker thread."""
        return backup_stream(self.ctx.db, self.ctx.storage)


def _obstacles(ctx: Context, user: User) -> list[str] | None:
    """Blocking: None for a non-admin; else what keeps a restore out ([] when the instance is empty)."""
    if not user.is_admin:
        return None
    with ctx.db.read() as session:
        return emptiness_problems(session.connection(), ctx.storage, user.id)


def _page(ctx: Context, user: User, obstacles: list[str]) -> None:
    with ui.column().classes(theme.NARROW_PAGE):
        admin_tabs("/admin/backup")
        with ui.card().classes("w-full"):
            ui.label("Back up").classes(theme.SECTION_TITLE)
            ui.label("One archive with every table, every stored image and a manifest of SHA-256 sums. "
                     "Provider keys in it open only with this instance's secret key.").classes(theme.MUTED)
            ui.button("Download a backup", icon="download",
                      on_click=lambda: offer_to_tab(BackupDownload(ctx, backup_filename()))) \
                .props('unelevated no-caps color=primary data-testid="backup-download"').mark("backup-download")
        with ui.card().classes("w-full"):
            ui.label("Restore").classes(theme.SECTION_TITLE)
            ui.label(EMPTY_RULE).classes(theme.MUTED)
            if obstacles:
                ui.label("This instance is not empty: it has " + ", ".join(obstacles) + ".") \
                    .classes("text-negative").props('data-testid="restore-refused"').mark("restore-refused")
            else:
                _restore_form(user)


def _restore_form(user: User) -> None:
    ui.element("input").mark("restore-file").props('type=file accept=".tar,application/x-tar" id=restore-file '
                              'aria-label="Backup archive" data-testid="restore-file"').classes("w-full")
    status = ui.label().classes(theme.MUTED).props('role=status aria-live=polite').mark("restore-status")

    async def start() -> None:
        require_admin(user)
        status.text = "Checking and restoring the archive…"
        status.classes(replace=theme.MUTED)
        path = links.offer(user.id)
        ui.run_javascript(_UPLOAD_JS % {"path": path, "event": DONE_EVENT})

    def done(event: GenericEventArguments) -> None:
        answer: dict[str, Any] = event.args if isinstance(event.args, dict) else {}
        if not answer.get("success"):
            status.text = answer.get("error") or "The restore failed; nothing was changed."
            status.classes(replace="text-negative")
            return
        rows = sum((answer.get("rows") or {}).values())
        status.text = f"Restored {rows} rows and {answer.get('files', 0)} files. Sign in with an account from it."
        ui.navigate.to("/login")

    ui.on(DONE_EVENT, done)
    ui.button("Restore this archive", icon="settings_backup_restore", on_click=start) \
        .props('unelevated no-caps color=primary data-testid="restore-start"').mark("restore-start")


# The chosen file goes as the body (fetch streams it from disk); the answer comes back as an event.
_UPLOAD_JS = """
(async () => {
  const file = document.getElementById('restore-file').files[0];
  if (!file) { emitEvent('%(event)s', {success: false, error: 'Choose a backup archive first.'}); return; }
  try {
    const response = await fetch('%(path)s', {method: 'POST', body: file,
                                              headers: {'Content-Type': 'application/x-tar'}});
    emitEvent('%(event)s', await response.json());
  } catch (error) {
    emitEvent('%(event)s', {success: false, error: 'The upload did not reach the server: ' + error});
  }
})();
"""
