"""Backup and restore of a whole studio: every table as portable JSON lines, every stored file, a manifest.

- :mod:`core.backup.archive`: the tar format, written by a generator and read as a stream;
- :mod:`core.backup.manifest`: entry names and the manifest of sizes and SHA-256 sums;
- :mod:`core.backup.portable`: rows as JSON that reads the same on SQLite and PostgreSQL;
- :mod:`core.backup.schema`: the Alembic revision and tables a backup and an instance must share;
- :mod:`core.backup.export`: :func:`backup_stream`, the archive as bytes;
- :mod:`core.backup.verify`: the whole archive checked before anything changes;
- :mod:`core.backup.restore`: :func:`restore_backup`, into an empty instance, all or nothing.
"""

from core.backup.errors import BackupRefused, InstanceNotEmpty
from core.backup.export import backup_filename, backup_stream
from core.backup.restore import EMPTY_RULE, RestoreSummary, restore_backup

__all__ = ["EMPTY_RULE", "BackupRefused", "InstanceNotEmpty", "RestoreSummary", "backup_filename",
           "backup_stream", "restore_backup"]
