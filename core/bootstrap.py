"""Build the service container from settings and bring the database to a usable state."""

from __future__ import annotations

import logging
import os

from core.config import Settings
from core.context import Context
from core.db import Database
from core.events import EventBus
from core.migrate import upgrade
from storage.base import Storage
from storage.local import LocalStorage

log = logging.getLogger(__name__)


def protect_files(settings: Settings) -> None:
    """Keep what the server writes private to its own account: the data dir 0700, the SQLite files
    and the secret 0600. The process umask (077) covers every file created from now on (storage
    objects, NiceGUI's per-browser storage files, the database's journal); existing ones in the data
    dir are tightened here."""
    os.umask(0o077)
    data = settings.data_dir
    data.mkdir(parents=True, exist_ok=True, mode=0o700)
    data.chmod(0o700)
    for name in ("studio.db", "studio.db-wal", "studio.db-shm", "secret_key"):
        path = data / name
        if path.exists():
            path.chmod(0o600)


def build_context(settings: Settings) -> Context:
    """One database, one storage backend, one event bus: what every page and route shares."""
    db = Database(settings.resolved_database_url)
    return Context(settings=settings, db=db, events=make_event_bus(db), storage=make_storage(settings))


def make_storage(settings: Settings) -> Storage:
    if settings.storage == "s3":
        from storage.s3 import S3Storage

        return S3Storage(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url or None,
            region=settings.s3_region,
            create_bucket=settings.s3_create_bucket,
            default_expiry_s=settings.signed_url_expiry_s,
        )
    return LocalStorage(
        settings.data_dir / "storage",
        settings.resolved_secret_key(),
        default_expiry_s=settings.signed_url_expiry_s,
    )


def make_event_bus(db: Database) -> EventBus:
    if db.url.startswith("postgresql"):
        from core.events_pg import PostgresEventBus

        return PostgresEventBus(db.url)
    return EventBus()


def prepare_database(ctx: Context) -> None:
    """Migrate to head and add first-start data; safe to run on every start."""
    upgrade(ctx.db)
    from datetime import timedelta

    from core.generation.jobs import STALE_AFTER, fail_stale_jobs
    from core.seed import seed_database

    seed_database(ctx.db)
    from core.generation.provider_setup import activate_configured_providers

    for name in activate_configured_providers(ctx.db, ctx.settings):
        log.info("provider %s is configured and now active", name)
    # One SQLite file has one server process; on PostgreSQL others may be running jobs right now.
    failed = fail_stale_jobs(ctx.db, timedelta(0) if ctx.db.is_sqlite else STALE_AFTER)
    if failed:
        log.warning("marked %d interrupted job(s) as failed", len(failed))
