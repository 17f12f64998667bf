"""Helpers of the backup tests: a studio worth backing up, its full contents for comparison, and archive surgery.

:func:`populate` fills an instance through the real services (accounts with passwords, an API token
and a browser session, characters with card data, portraits and a reference whose images are real
PNGs in storage, with thumbnails, and a scene). :func:`contents` reads back every row of every table
(portably encoded, so SQLite and PostgreSQL compare equal) and :func:`stored_files` every stored
object, so a restore can be compared with its source exactly. :func:`rewrite` rebuilds an archive
with edited entries and a manifest that matches them again, for refusals a manifest cannot catch.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import shutil
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from PIL import Image
from sqlmodel import SQLModel

from core import auth, portraits, scenes, sessions
from core.backup import backup_stream
from core.backup.portable import row_encoder
from core.config import Settings
from core.context import Context
from core.db import Database
from core.events import EventBus
from core.models import Character, Job
from core.seed import seed_database
from storage.base import (
    BUCKETS,
    REFERENCE_IMAGES,
    USER_LIBRARY,
    Storage,
    portrait_key,
    put_with_thumbnails,
    reference_key,
)
from storage.local import LocalStorage

ADMIN_EMAIL = "owner@example.com"
MEMBER_EMAIL = "friend@example.com"
PASSWORD = "correct horse battery"
CARD_DATA = {"creator": "Ada", "tags": ["fantasy", "map"], "character_book": {"entries": [{"keys": ["atlas"],
             "content": "Mira's atlas has blank pages.", "enabled": True}]}, "extensions": {"x": {"depth": 4}}}


@dataclass
class Populated:
    """What :func:`populate` made, to find it again after a restore."""

    admin_id: str
    character_ids: list[str]
    token: str
    session_token: str


def png(seed: int, size: int = 96) -> bytes:
    """A real PNG of noise (different for every seed, so no two stored files are alike)."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (size, size), bytes(rng.getrandbits(8) for _ in range(size * size * 3)))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def webp(data: bytes, edge: int) -> bytes:
    image = Image.open(io.BytesIO(data))
    image.thumbnail((edge, edge))
    out = io.BytesIO()
    image.save(out, "WEBP")
    return out.getvalue()


def populate(ctx: Context, portraits_per_character: int = 2) -> Populated:
    """Two accounts, a token, a session, two characters with card data, portraits, a reference and a scene."""
    admin = auth.create_user(ctx.db, ADMIN_EMAIL, PASSWORD, "Owner", is_admin=True)
    member = auth.create_user(ctx.db, MEMBER_EMAIL, PASSWORD, "Friend")
    _, token = auth.create_token(ctx.db, admin, "backup tests")
    session_token = sessions.start_session(ctx.db, member)
    ids = []
    for n, (owner, name) in enumerate(((admin, "Mira Vale"), (member, "Oren Ash"))):
        character = _character(ctx, owner, name, n)
        ids.append(character.id)
        for p in range(portraits_per_character):
            data = png(100 * n + p)
            key = portrait_key(owner.id, character.id, f"job-{n}-{p}")
            put_with_thumbnails(ctx.storage, USER_LIBRARY, key, data, "image/png", {256: webp(data, 64)})
            portraits.add_portrait(ctx, owner, character.id, image_url=ctx.storage.signed_url(USER_LIBRARY, key),
                                   prompt=f"portrait {p} of {name}", generation_metadata={"seed": p, "steps": 20})
        scene_key = portrait_key(owner.id, character.id, f"scene-{n}")
        ctx.storage.put(USER_LIBRARY, scene_key, png(900 + n), "image/png")
        scenes.create_scene(ctx, owner, character.id, {
            "scene_name": "Harbour at dusk", "scene_description": "Fog, lanterns.", "scene_starters": ["Look!"],
            "image_url": ctx.storage.signed_url(USER_LIBRARY, scene_key)})
    with ctx.db.write() as session:  # a finished job: its "metadata" column is named after a reserved word
        session.add(Job(user_id=admin.id, character_id=ids[0], status="completed", original_prompt="portrait",
                        job_metadata={"seed": 7, "provider": "builtin", "presets": {}}))
    return Populated(admin.id, ids, token, session_token)


def _character(ctx: Context, owner: Any, name: str, n: int) -> Character:
    from tests.support.factories import make_character

    character = make_character(ctx, owner, name=name, appearance_tags=["silver hair", "freckles"],
                               clothing_tags=["long coat"], is_public=n == 0)
    ref = reference_key(owner.id, character.id, "ref.png")
    ctx.storage.put(REFERENCE_IMAGES, ref, png(700 + n, 64), "image/png")
    with ctx.db.write() as session:
        row = session.get(Character, character.id)
        assert row is not None
        row.card_data = CARD_DATA
        row.reference_image_path = f"{REFERENCE_IMAGES}/{ref}"
        row.reference_image_url = ctx.storage.signed_url(REFERENCE_IMAGES, ref)
        session.add(row)
    return character


def contents(db: Database) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, encoded portably (ISO UTC times, JSON booleans), in primary-key order."""
    found: dict[str, list[dict[str, Any]]] = {}
    with db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            encode = row_encoder(table)
            rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).mappings()
            found[table.name] = [orjson.loads(encode(row)) for row in rows]
    return found


def stored_files(storage: Storage) -> dict[tuple[str, str], tuple[bytes, str]]:
    """Every stored object: its bytes and its content type."""
    return {(bucket, obj.key): (storage.get(bucket, obj.key), storage.stat(bucket, obj.key).content_type)
            for bucket in BUCKETS for obj in storage.list(bucket, "")}


def write_backup(db: Database, storage: Storage, path: Path, **options: Any) -> Path:
    with path.open("wb") as out:
        for chunk in backup_stream(db, storage, **options):
            out.write(chunk)
    return path


def fresh_sqlite(template: Path, directory: Path) -> Database:
    """A fresh instance's database: migrated (a copy of the template) and seeded, as a first start leaves it."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, directory / "studio.db")
    db = Database(f"sqlite:///{directory / 'studio.db'}")
    seed_database(db)
    return db


def instance(db: Database, root: Path, secret: str = "other-secret") -> Context:
    """A context on ``db`` with local storage under ``root`` (its event bus unstarted: publishing is fine)."""
    settings = Settings(data_dir=root, secret_key=secret)
    return Context(settings=settings, db=db, events=EventBus(), storage=LocalStorage(root / "storage", secret))


def members(path: Path) -> dict[str, bytes]:
    """The archive's entries by name, in order."""
    with tarfile.open(path) as tar:
        return {info.name: tar.extractfile(info).read() for info in tar}  # type: ignore[union-attr]


def rewrite(source: Path, target: Path, edit: Callable[[dict[str, bytes]], dict[str, bytes]]) -> Path:
    """Rebuild the archive with ``edit`` applied to its entries and manifest.json recomputed to match."""
    entries = {n: d for n, d in members(source).items() if n not in ("manifest.json", "manifest.sha256")}
    manifest = json.loads(members(source)["manifest.json"])
    entries = edit(entries)
    old = {e["name"]: e for e in manifest["entries"]}
    manifest["entries"] = [{**old.get(name, {}), "name": name, "size": len(data),
                            "sha256": hashlib.sha256(data).hexdigest()} for name, data in entries.items()]
    body = json.dumps(manifest).encode()
    entries["manifest.json"] = body
    entries["manifest.sha256"] = f"{hashlib.sha256(body).hexdigest()}  manifest.json\n".encode()
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target
