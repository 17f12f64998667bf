"""Background removers are image models that make no portrait: routing keeps them out unless asked for."""

from __future__ import annotations

import pytest
from sqlmodel import select

from core.db import Database
from core.generation.routing import (
    NO_BACKGROUND_REMOVAL_MODELS,
    REMOVES_BACKGROUNDS_ONLY,
    NoModelAvailable,
    RemovesBackgroundsOnly,
    count_i2i_models,
    list_image_models,
    route_image_request,
)
from core.models import ApiModel, ApiProvider
from core.seed import seed_database

REMOVER = {"supports_i2i": True, "requires_reference": True, "background_removal": True}


def _models(db: Database, *specs: tuple[str, int, dict]) -> dict[str, str]:
    """specs: (name, priority, capabilities), all active -> name -> id."""
    ids = {}
    with db.write() as session:
        for name, priority, caps in specs:
            provider = ApiProvider(name=f"p-{name}", display_name=name, is_active=True)
            session.add(provider)
            session.flush()
            model = ApiModel(provider_id=provider.id, display_name=name, model_key=name, modality="image",
                             capabilities=caps, is_active=True, priority=priority)
            session.add(model)
            ids[name] = model.id
    return ids


def test_a_remover_is_never_a_portrait_model_even_with_the_highest_priority(db: Database) -> None:
    _models(db, ("remover", 99, REMOVER), ("i2i", 5, {"supports_i2i": True}), ("t2i", 3, {}))
    i2i = route_image_request(db, api_model_id=None, i2i=True)
    t2i = route_image_request(db, api_model_id=None, i2i=False)
    assert [r.model.model_key for r in i2i] == ["i2i"]
    assert [r.model.model_key for r in t2i] == ["i2i", "t2i"]
    assert count_i2i_models(db) == 1  # the Image Match Mode badge does not count it
    assert [r.model.model_key for r in list_image_models(db)] == ["i2i", "t2i"]
    assert [r.model.model_key for r in list_image_models(db, background_removal=True)] == ["remover"]


def test_only_removers_and_no_generator_means_no_portrait_model(db: Database) -> None:
    _models(db, ("remover", 99, REMOVER))
    with pytest.raises(NoModelAvailable):
        route_image_request(db, api_model_id=None, i2i=True)


def test_naming_a_remover_for_a_portrait_is_a_clear_400(db: Database) -> None:
    ids = _models(db, ("remover", 99, REMOVER), ("i2i", 5, {"supports_i2i": True}))
    with pytest.raises(RemovesBackgroundsOnly) as info:
        route_image_request(db, api_model_id=ids["remover"], i2i=True)
    assert info.value.message == REMOVES_BACKGROUNDS_ONLY
    assert info.value.errors == {"apiModelId": REMOVES_BACKGROUNDS_ONLY}


def test_asked_for_removers_come_by_priority_and_a_named_one_first(db: Database) -> None:
    ids = _models(db, ("remover-a", 4, REMOVER), ("remover-b", 3, REMOVER), ("i2i", 50, {"supports_i2i": True}))
    routed = route_image_request(db, api_model_id=None, i2i=True, background_removal=True)
    assert [r.model.model_key for r in routed] == ["remover-a", "remover-b"]
    named = route_image_request(db, api_model_id=ids["remover-b"], i2i=True, background_removal=True)
    assert [r.model.model_key for r in named] == ["remover-b", "remover-a"]


def test_asked_for_removers_when_none_is_active_is_503(db: Database) -> None:
    _models(db, ("i2i", 5, {"supports_i2i": True}))
    with pytest.raises(NoModelAvailable, match=NO_BACKGROUND_REMOVAL_MODELS):
        route_image_request(db, api_model_id=None, i2i=True, background_removal=True)


def test_the_seeded_removers_with_their_providers_switched_on_stay_out_of_portrait_routing(db: Database) -> None:
    """As after FAL_KEY and REPLICATE_API_TOKEN are set: every model of both providers comes on."""
    seed_database(db)
    with db.write() as session:
        for provider in session.exec(select(ApiProvider).where(ApiProvider.kind.in_(["fal", "replicate"]))):
            provider.is_active = True
            session.add(provider)
            for model in session.exec(select(ApiModel).where(ApiModel.provider_id == provider.id)):
                model.is_active = True
                session.add(model)
    portrait_keys = {r.model.model_key for r in route_image_request(db, api_model_id=None, i2i=True)}
    assert "fal-ai/birefnet" not in portrait_keys and "851-labs/background-remover" not in portrait_keys
    removers = route_image_request(db, api_model_id=None, i2i=True, background_removal=True)
    assert [r.model.model_key for r in removers] == ["fal-ai/birefnet", "851-labs/background-remover"]
