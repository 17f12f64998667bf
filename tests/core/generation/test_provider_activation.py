"""Seeded providers switch on once their credentials are configured, and stay off once switched off."""

from __future__ import annotations

from sqlmodel import select

from core.config import Settings
from core.db import Database
from core.generation.provider_setup import activate_configured_providers
from core.models import ApiModel, ApiProvider
from core.seed import seed_database


def _active(db: Database) -> dict[str, bool]:
    with db.read() as session:
        return {p.name: p.is_active for p in session.exec(select(ApiProvider))}


def _fal_models_active(db: Database) -> set[bool]:
    with db.read() as session:
        fal = session.exec(select(ApiProvider).where(ApiProvider.name == "fal")).one()
        return {m.is_active for m in session.exec(select(ApiModel).where(ApiModel.provider_id == fal.id))}


def test_nothing_but_the_builtin_is_active_without_keys(db: Database) -> None:
    seed_database(db)
    assert activate_configured_providers(db, Settings(secret_key="x")) == []
    assert {name for name, on in _active(db).items() if on} == {"builtin"}


def test_a_configured_key_activates_its_provider_once_and_an_admin_can_switch_it_off(db: Database) -> None:
    seed_database(db)
    settings = Settings(secret_key="x")
    settings.fal_key = "configured"
    assert activate_configured_providers(db, settings) == ["fal"]
    assert _active(db)["fal"] and _fal_models_active(db) == {True}
    with db.write() as session:
        fal = session.exec(select(ApiProvider).where(ApiProvider.name == "fal")).one()
        fal.is_active = False
        session.add(fal)
    assert activate_configured_providers(db, settings) == []
    assert not _active(db)["fal"]
