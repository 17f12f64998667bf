"""Model routing: each branch of the seed's decision tree, fallbacks, and the I2I count."""

from __future__ import annotations

import pytest

from core.db import Database
from core.generation.routing import (
    NO_I2I_MODELS,
    NO_IMAGE_MODELS,
    ModelNotFound,
    NoModelAvailable,
    count_i2i_models,
    route_image_request,
)
from core.models import ApiModel, ApiProvider


def _models(db: Database, *specs: tuple[str, int, bool, bool, dict]) -> dict[str, str]:
    """specs: (name, priority, active, provider_active, capabilities) -> name -> id."""
    ids = {}
    with db.write() as session:
        for name, priority, active, provider_active, caps in specs:
            provider = ApiProvider(name=f"p-{name}", display_name=name, is_active=provider_active)
            session.add(provider)
            session.flush()
            model = ApiModel(provider_id=provider.id, display_name=name, model_key=name, modality="image",
                             capabilities=caps, is_active=active, priority=priority)
            session.add(model)
            ids[name] = model.id
    return ids


def test_named_model_that_is_active_is_used_first(db: Database) -> None:
    ids = _models(db, ("low", 1, True, True, {}), ("high", 9, True, True, {}))
    assert route_image_request(db, api_model_id=ids["low"], i2i=False)[0].model.id == ids["low"]


@pytest.mark.parametrize("case", ["missing", "inactive", "provider_inactive"])
def test_named_model_missing_or_inactive_is_400(db: Database, case: str) -> None:
    ids = _models(db, ("off", 5, False, True, {}), ("dead", 5, True, False, {}), ("on", 1, True, True, {}))
    model_id = {"missing": "no-such-id", "inactive": ids["off"], "provider_inactive": ids["dead"]}[case]
    with pytest.raises(ModelNotFound) as info:
        route_image_request(db, api_model_id=model_id, i2i=False)
    assert info.value.message == "Model not found or inactive"


def test_i2i_picks_highest_priority_i2i_capable_model(db: Database) -> None:
    _models(db, ("t2i", 10, True, True, {}), ("i2i-low", 1, True, True, {"supports_i2i": True}),
            ("i2i-high", 5, True, True, {"supports_i2i": True}))
    routed = route_image_request(db, api_model_id=None, i2i=True)
    assert [r.model.display_name for r in routed] == ["i2i-high", "i2i-low"]


def test_i2i_without_capable_models_is_503(db: Database) -> None:
    _models(db, ("t2i", 10, True, True, {}), ("i2i-off", 5, False, True, {"supports_i2i": True}))
    with pytest.raises(NoModelAvailable, match=NO_I2I_MODELS):
        route_image_request(db, api_model_id=None, i2i=True)


def test_t2i_picks_highest_priority_active_model_and_skips_edit_only(db: Database) -> None:
    _models(db, ("edit", 20, True, True, {"supports_i2i": True, "requires_reference": True}),
            ("best", 10, True, True, {}), ("next", 3, True, True, {}), ("off", 50, False, True, {}))
    assert [r.model.display_name for r in route_image_request(db, api_model_id=None, i2i=False)] == ["best", "next"]


def test_t2i_without_active_models_is_503(db: Database) -> None:
    _models(db, ("off", 5, False, True, {}))
    with pytest.raises(NoModelAvailable, match=NO_IMAGE_MODELS):
        route_image_request(db, api_model_id=None, i2i=False)


def test_named_model_falls_back_to_others_of_the_same_kind(db: Database) -> None:
    ids = _models(db, ("a", 1, True, True, {"supports_i2i": True}), ("b", 9, True, True, {"supports_i2i": True}),
                  ("c", 5, True, True, {}))
    routed = route_image_request(db, api_model_id=ids["a"], i2i=True)
    assert [r.model.display_name for r in routed] == ["a", "b"]


def test_count_i2i_models_counts_only_active_capable_models(db: Database) -> None:
    _models(db, ("a", 1, True, True, {"supports_i2i": True}), ("b", 1, False, True, {"supports_i2i": True}),
            ("c", 1, True, False, {"supports_i2i": True}), ("d", 1, True, True, {}))
    assert count_i2i_models(db) == 1
