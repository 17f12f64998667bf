"""Leaving a page with unsaved edits asks first.

Two ways out are guarded. The browser's own (reload, closing the tab, typing another address): a
``beforeunload`` listener asks while the page's hidden guard element says ``unsaved``, which is bound
to the state's ``dirty`` (so nothing is asked once everything is saved). The page's own navigation
(the header's back button, the character switcher): :meth:`LeaveConfirm.leave` goes at once when
nothing is pending, and otherwise opens the ``leave-confirm`` dialog: Stay, Save first (saves, then
goes; stays and shows why when the save is refused) or Leave (drops the unsaved edits, then goes).
While the question is open the auto-saver holds (``pause``/``resume``), so the answer is not changed
behind the person's back. Leaving through the dialog tells the browser listener not to ask again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from ui.state import CharacterState

GUARD = "data-leave-guard"
BEFORE_UNLOAD = f"""<script>
window.addEventListener('beforeunload', (event) => {{
  if (window.studioLeaving) return;
  const guard = document.querySelector('[{GUARD}]');
  if (!guard || guard.textContent.trim() !== 'unsaved') return;
  event.preventDefault();
  event.returnValue = '';
}});
</script>"""


class LeaveConfirm:
    """One per page, built in its UI context; ``save`` returns True when everything got saved."""

    def __init__(self, state: CharacterState, *, save: Callable[[], Awaitable[bool]], discard: Callable[[], None],
                 pause: Callable[[], None], resume: Callable[[], None],
                 can_save: Callable[[], bool] = lambda: True) -> None:
        self.state = state
        self._save, self._discard, self._can_save = save, discard, can_save
        self._pause, self._resume = pause, resume
        self._target = "/"
        self._on_stay: Callable[[], None] | None = None
        ui.add_head_html(BEFORE_UNLOAD)
        ui.label().props(f'{GUARD} aria-hidden="true"').classes("hidden") \
            .bind_text_from(state, "dirty", backward=lambda dirty: "unsaved" if dirty else "saved")
        # Quasar's dialog is the role="dialog" element: it carries the name (the title below)
        self.dialog = ui.dialog().props('persistent aria-labelledby="leave-confirm-title"').mark("leave-confirm")
        # z-10: axe-core measured the buttons against the backdrop without it (the card had no z-index)
        with self.dialog, ui.card().props('data-testid="leave-confirm"').classes("max-w-sm z-10"):
            ui.label("Leave without saving?").props('id="leave-confirm-title"').classes("text-lg font-semibold")
            self.message = ui.label().classes("text-sm")
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Stay", on_click=self._stay).props('flat no-caps data-testid="leave-confirm-stay"')
                ui.button("Leave", on_click=self._leave_without_saving) \
                    .props('flat no-caps color=negative data-testid="leave-confirm-leave"')
                self.save_button = ui.button("Save first", on_click=self._save_then_leave) \
                    .props('unelevated no-caps color=primary data-testid="leave-confirm-save"')

    def leave(self, url: str, on_stay: Callable[[], None] | None = None) -> None:
        """Go to ``url`` now, or ask first when there are unsaved edits."""
        if not self.state.dirty:
            ui.navigate.to(url)
            return
        self._target, self._on_stay = url, on_stay
        saveable = self._can_save()
        self.save_button.set_visibility(saveable)
        self.message.set_text("Your latest edits are not saved yet. Save them first, or leave and lose them."
                              if saveable else
                              "This character has no name yet, so it is not kept. Leave and lose what you typed?")
        self._pause()
        self.dialog.open()

    def _stay(self) -> None:
        self.dialog.close()
        self._resume()
        if self._on_stay is not None:
            self._on_stay()

    def _leave_without_saving(self) -> None:
        self.dialog.close()
        self._discard()
        self._go()

    async def _save_then_leave(self) -> None:
        self.dialog.close()
        if await self._save() and not self.state.dirty:
            self._go()
            return
        self._resume()
        if self._on_stay is not None:
            self._on_stay()

    def _go(self) -> None:
        ui.run_javascript("window.studioLeaving = true")  # the browser's own prompt would ask again
        ui.navigate.to(self._target)

