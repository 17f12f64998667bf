"""Which image model serves a request: the seed's decision tree, plus fallbacks.

1. A named ``apiModelId`` must exist and be active (and its provider too), else 400
   "Model not found or inactive".
2. Otherwise, with a reference image: the highest-priority active image model whose capabilities say
   ``supports_i2i`` (none -> 503 "No I2I-capable models available").
3. Without one: the highest-priority active image model that can work from text alone (none -> 503
   "No image models available"). Models marked ``requires_reference`` are edit-only and are skipped.

Beyond the seed, the rest of the same kind of models, in priority order, come back as fallbacks for
when the chosen provider fails with a retryable error.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from core.db import Database
from core.errors import Unavailable, ValidationError
from core.models import ApiModel, ApiProvider

MODEL_NOT_FOUND = "Model not found or inactive"
NO_I2I_MODELS = "No I2I-capable models available"
NO_IMAGE_MODELS = "No image models available"


@dataclass(frozen=True)
class RoutedModel:
    model: ApiModel
    provider: ApiProvider

    @property
    def supports_i2i(self) -> bool:
        return bool((self.model.capabilities or {}).get("supports_i2i"))


class ModelNotFound(ValidationError):
    """400: the named model does not exist or is switched off."""

    code = "invalid_model"

    def __init__(self) -> None:
        super().__init__({"apiModelId": MODEL_NOT_FOUND})
        self.message = MODEL_NOT_FOUND


class NoModelAvailable(Unavailable):
    """503: nothing active can serve this kind of request."""

    code = "no_model_available"


def route_image_request(db: Database, *, api_model_id: str | None, i2i: bool) -> list[RoutedModel]:
    """The model to use first, then its fallbacks of the same kind, best first."""
    with db.read() as session:
        candidates = _active_image_models(session)
        if api_model_id:
            chosen = next((c for c in candidates if c.model.id == api_model_id), None)
            if chosen is None:
                raise ModelNotFound()
            return [chosen, *[c for c in candidates if c is not chosen and _same_kind(c, chosen, i2i)]]
        if i2i:
            usable = [c for c in candidates if c.supports_i2i]
            if not usable:
                raise NoModelAvailable(NO_I2I_MODELS)
            return usable
        usable = [c for c in candidates if not c.model.capabilities.get("requires_reference")]
        if not usable:
            raise NoModelAvailable(NO_IMAGE_MODELS)
        return usable


def count_i2i_models(db: Database) -> int:
    """How many active image models can keep a face from a reference (the Image Match Mode badge)."""
    with db.read() as session:
        return sum(1 for c in _active_image_models(session) if c.supports_i2i)


def list_image_models(db: Database, *, include_inactive: bool = False) -> list[RoutedModel]:
    """Image models for a model selector, best first."""
    with db.read() as session:
        if not include_inactive:
            return _active_image_models(session)
        rows = session.exec(select(ApiModel, ApiProvider).join(ApiProvider)
                            .where(ApiModel.modality == "image")
                            .order_by(col(ApiModel.priority).desc(), col(ApiModel.display_name)))
        return [RoutedModel(m, p) for m, p in rows]


def _active_image_models(session: Session) -> list[RoutedModel]:
    rows = session.exec(
        select(ApiModel, ApiProvider).join(ApiProvider)
        .where(ApiModel.modality == "image", col(ApiModel.is_active), col(ApiProvider.is_active))
        .order_by(col(ApiModel.priority).desc(), col(ApiModel.display_name), col(ApiModel.id))
    )
    return [RoutedModel(model, provider) for model, provider in rows]


def _same_kind(candidate: RoutedModel, chosen: RoutedModel, i2i: bool) -> bool:
    if i2i:
        return candidate.supports_i2i
    return not candidate.model.capabilities.get("requires_reference")
