"""The remembered answer to "does this handler take an argument?" is NiceGUI's own answer, always."""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from typing import Any

import nicegui.helpers
from nicegui import observables

from ui import handler_signatures

nicegui_check = handler_signatures._original  # NiceGUI's own answer, the reference


def plain(event: object) -> None: ...
def no_args() -> None: ...
def with_default(event: object = None) -> None: ...
def star(*args: object, **kwargs: object) -> None: ...
def keyword_only(*, event: object) -> None: ...
def keyword_default(*, event: object = None) -> None: ...


class Handlers:
    def method(self, event: object) -> None: ...
    def bare(self) -> None: ...
    def defaulted(self, event: object = None) -> None: ...

    @classmethod
    def klass(cls, event: object) -> None: ...

    @staticmethod
    def static(event: object) -> None: ...

    def __call__(self, event: object) -> None: ...


def _wrapped(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def inner(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)
    return inner


def _lambdas() -> list[Callable[..., Any]]:
    made = []
    for i in range(3):
        made.append(lambda e, i=i: i)  # same code, a default each: one remembered answer
        made.append(lambda i=i: i)
    return made


HANDLERS: list[Callable[..., Any]] = [
    plain, no_args, with_default, star, keyword_only, keyword_default, *_lambdas(),
    Handlers().method, Handlers().bare, Handlers().defaulted, Handlers.klass, Handlers.static, Handlers(),
    functools.partial(plain), functools.partial(star, 1), _wrapped(no_args), _wrapped(plain), print, len,
]


def test_every_kind_of_handler_gets_nicegui_s_own_answer() -> None:
    for handler in HANDLERS * 2:  # the second round comes from memory
        assert handler_signatures.expects_arguments(handler) == nicegui_check(handler), handler


def test_same_code_with_other_defaults_is_not_confused() -> None:
    def defaulted(event: object = None) -> None: ...

    required = types.FunctionType(defaulted.__code__, defaulted.__globals__, "required")  # no defaults
    assert handler_signatures.expects_arguments(defaulted) is False
    assert handler_signatures.expects_arguments(required) is True
    assert nicegui_check(required) is True


def test_installed_where_nicegui_s_observables_look_it_up() -> None:
    assert handler_signatures.install() is True
    assert handler_signatures.install() is True  # idempotent
    assert nicegui.helpers.expects_arguments is handler_signatures.expects_arguments
    assert observables.helpers.expects_arguments is handler_signatures.expects_arguments
    seen: list[object] = []
    collection = observables.ObservableDict({}, on_change=lambda e: seen.append(e))
    collection["key"] = "value"
    assert len(seen) == 1
