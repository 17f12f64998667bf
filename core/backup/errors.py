"""The two ways a restore is refused: the archive is not a sound backup, or the instance is not empty.

Both carry a message meant for the admin: what is wrong and what to do. Neither is raised after
anything was changed (see :mod:`core.backup.restore`).
"""

from __future__ import annotations

from core.errors import StudioError, ValidationError


class BackupRefused(ValidationError):
    """The archive is truncated, altered, from another schema, or not a studio backup at all (400)."""

    code = "backup_refused"

    def __init__(self, message: str) -> None:
        super().__init__({"backup": message})
        self.message = message


class InstanceNotEmpty(StudioError):
    """The instance already holds data a restore would overwrite (409 from the API)."""

    code = "instance_not_empty"
