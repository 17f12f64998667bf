"""Issue 15.3: the face-consistent hosted models are seeded switched off, come on with their provider's
key, and Image Match Mode (a reference) then prefers them by priority; without a reference they are skipped."""

from __future__ import annotations

from core.config import Settings
from core.db import Database
from core.generation.provider_setup import activate_configured_providers
from core.generation.routing import route_image_request
from core.seed import seed_database

FACE_MODELS = ["fal-ai/flux-pulid", "fal-ai/flux-pro/kontext", "fal-ai/instant-character", "zsxkib/instant-id"]


def test_face_models_are_off_until_a_key_exists_then_lead_image_match_mode(db: Database) -> None:
    seed_database(db)
    assert not set(FACE_MODELS) & {r.model.model_key for r in route_image_request(db, api_model_id=None, i2i=True)}
    activate_configured_providers(db, Settings(secret_key="x", fal_key="fal-key", replicate_api_token="r8-key"))
    with_reference = [r.model.model_key for r in route_image_request(db, api_model_id=None, i2i=True)]
    assert with_reference[:4] == FACE_MODELS  # by priority (12, 11, 11, 10), then by name
    assert with_reference[-1] == "builtin/preview"
    without = {r.model.model_key for r in route_image_request(db, api_model_id=None, i2i=False)}
    assert not set(FACE_MODELS) & without  # they need a reference


def test_models_seeded_after_their_provider_came_on_come_on_once(db: Database) -> None:
    from datetime import timedelta

    from sqlmodel import select

    from core.models import ApiModel, SeedRecord

    seed_database(db)
    settings = Settings(secret_key="x", fal_key="fal-key")
    assert activate_configured_providers(db, settings) == ["fal"]
    with db.write() as session:  # an install from before the face models: they arrive with a later seed
        for record in session.exec(select(SeedRecord).where(SeedRecord.key == "fal:fal-ai/flux-pulid")):
            record.created_at = record.created_at + timedelta(days=30)
            session.add(record)
        pulid = session.exec(select(ApiModel).where(ApiModel.model_key == "fal-ai/flux-pulid")).one()
        flux = session.exec(select(ApiModel).where(ApiModel.model_key == "fal-ai/flux/dev")).one()
        pulid.is_active = flux.is_active = False  # pulid: just seeded; flux: switched off by an admin
        session.add(pulid)
        session.add(flux)
    activate_configured_providers(db, settings)
    with db.read() as session:
        states = {m.model_key: m.is_active for m in session.exec(select(ApiModel))}
    assert states["fal-ai/flux-pulid"] and not states["fal-ai/flux/dev"]
    with db.write() as session:
        pulid = session.get(ApiModel, pulid.id)
        assert pulid is not None
        pulid.is_active = False  # now the admin switches it off too: it stays off
        session.add(pulid)
    activate_configured_providers(db, settings)
    with db.read() as session:
        assert session.get(ApiModel, pulid.id).is_active is False  # type: ignore[union-attr]
