"""The header's character switcher: the user's own characters plus "Create New".

It names the character the tab edits from the moment it exists and follows its renames (it is bound
to the state, :meth:`CharacterSelector.follow`), so a draft created a second ago is not shown as
"+ Create New". Choosing another entry goes through :attr:`CharacterSelector.navigate`, which the page
points at its leave-confirm so unsaved edits are not left behind without a word.
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import binding, ui

from core.models import Character
from ui.state import CharacterState

NEW = "__new__"
UNNAMED = "This character"


class CharacterSelector(ui.select):
    def __init__(self, current_id: str | None, role: str, current_name: str) -> None:
        self.own: list[Character] = []
        self.role = role
        self._current_id, self._current_name = current_id, current_name
        #: where a choice goes: ``navigate(url, stay)``; ``stay`` puts the current entry back
        self.navigate: Callable[[str, Callable[[], None]], None] = lambda url, _stay: ui.navigate.to(url)
        super().__init__(selector_options([], current_id, current_name), value=current_id or NEW,
                         on_change=lambda e: self._go(e.value))
        self.props('dense outlined options-dense data-testid="character-selector"') \
            .classes("min-w-[9rem] max-w-[16rem] max-md:min-w-0 max-md:flex-1")  # a phone: what the bar leaves

    def follow(self, state: CharacterState) -> None:
        """Name and select the state's character as it is created and renamed."""
        binding.bind_from(self, "current_id", state, "character_id")
        binding.bind_from(self, "current_name", state, "name")

    def show_own(self, own: list[Character]) -> None:
        self.own = list(own)
        self._refresh()

    @property
    def current_id(self) -> str | None:
        return self._current_id

    @current_id.setter
    def current_id(self, value: str | None) -> None:
        if value != self._current_id:
            self._current_id = value
            self._refresh()

    @property
    def current_name(self) -> str:
        return self._current_name

    @current_name.setter
    def current_name(self, value: str | None) -> None:
        """A cleared name is not a rename (core refuses it): the entry keeps the last name it had."""
        value = (value or "").strip()
        if value and value != self._current_name:
            self._current_name = value
            self._refresh()

    def _refresh(self) -> None:
        self.set_options(selector_options(self.own, self._current_id, self._current_name),
                         value=self._current_id or NEW)

    def _go(self, value: str | None) -> None:
        if value == NEW and self._current_id is not None:
            self.navigate("/studio" + ("?role=user" if self.role == "user" else ""), self._stay)
        elif value and value not in (NEW, self._current_id):
            self.navigate(f"/studio/{value}", self._stay)

    def _stay(self) -> None:
        self.set_value(self._current_id or NEW)


def character_selector(own: list[Character], current_id: str | None, role: str = "ai",
                       current_name: str = UNNAMED) -> CharacterSelector:
    selector = CharacterSelector(current_id, role, current_name)
    if own:
        selector.show_own(own)
    return selector


def selector_options(own: list[Character], current_id: str | None, current_name: str | None) -> dict[str, str]:
    """"+ Create New", the user's characters, and the current one under the name it has now."""
    options = {NEW: "+ Create New", **{c.id: c.name for c in own}}
    if current_id:
        options[current_id] = (current_name or "").strip() or UNNAMED
    return options
