"""The domain's one error hierarchy; the API maps each class to a status code, the UI to a message."""

from __future__ import annotations

from typing import Any


class StudioError(Exception):
    """Base of every error core raises on purpose; ``message`` is safe to show to the person."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(StudioError):
    """Input broke a rule; ``errors`` maps each field to what is wrong with it."""

    code = "validation_error"

    def __init__(self, errors: dict[str, str] | str) -> None:
        self.errors = {"_": errors} if isinstance(errors, str) else dict(errors)
        super().__init__("; ".join(self.errors.values()))


class NotFound(StudioError):
    """The thing does not exist, or the actor may not see it (the two are indistinguishable)."""

    code = "not_found"


class Forbidden(StudioError):
    """The actor may see the thing but not change it (someone else's public character)."""

    code = "forbidden"


class Conflict(StudioError):
    """A save named a stale version; ``current`` is the row as it is now."""

    code = "conflict"

    def __init__(self, message: str, current: Any) -> None:
        super().__init__(message)
        self.current = current


class AuthError(StudioError):
    """Missing or wrong credentials."""

    code = "unauthorized"


class Unavailable(StudioError):
    """Something the request needs is not there right now (no model, provider down)."""

    code = "unavailable"


class GenerationFailed(Unavailable):
    """The provider (and every fallback) failed; the job row holds the same message."""

    code = "generation_failed"


class ContentBlocked(ValidationError):
    """The provider refused the prompt or the result under its content policy."""

    code = "content_blocked"

    def __init__(self, message: str) -> None:
        super().__init__({"prompt": message})
        self.message = message


class Cancelled(StudioError):
    """The job was cancelled before it finished."""

    code = "cancelled"
