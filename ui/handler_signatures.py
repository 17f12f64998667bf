"""Remember whether a NiceGUI change handler takes an argument, instead of asking ``inspect`` each time.

NiceGUI creates an observable collection for every element's props, classes and style (and for
nested values), and each one calls ``helpers.expects_arguments(on_change)``, which runs
``inspect.signature`` on a handler that is nearly always the same bound method of ``Element``. On the
studio page that is a few hundred signatures per request and about a quarter of the page build.

The answer depends only on the function's code, how many defaults it has, which keyword-only ones
have defaults and whether it is bound - so it is remembered per code object (bounded by the amount of
code, not by the number of handlers). Anything else (partials, callable objects, builtins, wrapped or
re-signed functions) goes to NiceGUI's own check, which stays the reference (``tests`` compare both).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Hashable
from typing import Any

from nicegui import helpers

# NiceGUI's own check, as this NiceGUI has it (None if a release renamed it: then nothing is patched).
_original: Callable[[Callable[..., Any]], bool] | None = getattr(helpers, "expects_arguments", None)
_answers: dict[Hashable, bool] = {}
_MAX_ANSWERS = 4096  # code objects; exec-made code could otherwise grow it


def expects_arguments(func: Callable[..., Any]) -> bool:
    """NiceGUI's ``helpers.expects_arguments``, answered from memory for plain functions and methods."""
    assert _original is not None  # installed only where NiceGUI has the helper
    key = _key(func)
    if key is None:
        return _original(func)
    answer = _answers.get(key)
    if answer is None:
        if len(_answers) >= _MAX_ANSWERS:
            _answers.clear()
        answer = _answers[key] = _original(func)
    return answer


def install() -> bool:
    """Put :func:`expects_arguments` where NiceGUI looks it up (``nicegui.helpers``); idempotent.

    Returns False, changing nothing, if this NiceGUI has no such helper (then it is not needed).
    """
    current = getattr(helpers, "expects_arguments", None)
    if current is expects_arguments:
        return True
    if _original is None or current is not _original:
        return False
    helpers.expects_arguments = expects_arguments  # type: ignore[attr-defined]
    return True


def _key(func: Callable[..., Any]) -> Hashable | None:
    bound = isinstance(func, types.MethodType)
    target = func.__func__ if bound else func  # type: ignore[attr-defined]
    if type(target) is not types.FunctionType or hasattr(target, "__wrapped__") \
            or getattr(target, "__signature__", None) is not None:
        return None
    return target.__code__, bound, len(target.__defaults__ or ()), tuple(target.__kwdefaults__ or ())
