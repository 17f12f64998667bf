"""Which image model serves a request: the seed's decision tree, plus fallbacks.

1. A named ``apiModelId`` must exist and be active (and its provider too), else 400
   "Model not found or inactive".
2. Otherwise, with a reference image: the highest-priority active image model whose capabilities say
   ``supports_i2i`` (none -> 503 "No I2I-capable models available").
3. Without one: the highest-priority active image model that can work from text alone (none -> 503
   "No image models available"). Models marked ``requires_reference`` are edit-only and are skipped.

Beyond the seed, the rest of the same kind of models, in priority order, come back as fallbacks for
when the chosen provider fails with a retryable error.

Models whose capabilities say ``background_removal`` (fal's BiRefNet, Replicate's background removers)
take an image and return it cut out; they make no portrait. They are never routed, counted or listed
for portraits, and a portrait that names one gets a 400 saying so. They are routed only when asked
for with ``background_removal=True`` (by :mod:`core.generation.background_removal`).
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
NO_BACKGROUND_REMOVAL_MODELS = "No background-removal models available"
REMOVES_BACKGROUNDS_ONLY = "This model only removes backgrounds; choose a model that makes images"


@dataclass(frozen=True)
class RoutedModel:
    model: ApiModel
    provider: ApiProvider

    @property
    def supports_i2i(self) -> bool:
        return bool((self.model.capabilities or {}).get("supports_i2i"))

    @property
    def removes_background(self) -> bool:
        return bool((self.model.capabilities or {}).get("background_removal"))


class ModelNotFound(ValidationError):
    """400: the named model does not exist or is switched off."""

    code = "invalid_model"

    def __init__(self) -> None:
        super().__init__({"apiModelId": MODEL_NOT_FOUND})
        self.message = MODEL_NOT_FOUND


class RemovesBackgroundsOnly(ValidationError):
    """400: the named model is a background remover, not an image generator."""

    code = "invalid_model"

    def __init__(self) -> None:
        super().__init__({"apiModelId": REMOVES_BACKGROUNDS_ONLY})
        self.message = REMOVES_BACKGROUNDS_ONLY


class NoModelAvailable(Unavailable):
    """503: nothing active can serve this kind of request."""

    code = "no_model_available"


def route_image_request(db: Database, *, api_model_id: str | None, i2i: bool,
                        background_removal: bool = False) -> list[RoutedModel]:
    """The model to use first, then its fallbacks of the same kind, best first.

    ``background_removal=True`` asks for the background removers instead (a named one first); the
    default leaves them out entirely.
    """
    with db.read() as session:
        everything = _active_image_models(session)
    if background_removal:
        return _route_background_removal(everything, api_model_id)
    candidates = [c for c in everything if not c.removes_background]
    if api_model_id:
        chosen = next((c for c in candidates if c.model.id == api_model_id), None)
        if chosen is None:
            if any(c.model.id == api_model_id for c in everything):
                raise RemovesBackgroundsOnly()
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


def _route_background_removal(everything: list[RoutedModel], api_model_id: str | None) -> list[RoutedModel]:
    removers = [c for c in everything if c.removes_background]
    if api_model_id:
        chosen = next((c for c in removers if c.model.id == api_model_id), None)
        if chosen is None:
            raise ModelNotFound()
        return [chosen, *[c for c in removers if c is not chosen]]
    if not removers:
        raise NoModelAvailable(NO_BACKGROUND_REMOVAL_MODELS)
    return removers


def count_i2i_models(db: Database) -> int:
    """How many active image models can keep a face from a reference (the Image Match Mode badge)."""
    with db.read() as session:
        return sum(1 for c in _active_image_models(session) if c.supports_i2i and not c.removes_background)


def list_image_models(db: Database, *, include_inactive: bool = False,
                      background_removal: bool = False) -> list[RoutedModel]:
    """Image models for a model selector, best first: the generators, or (``background_removal``) the
    background removers."""
    with db.read() as session:
        if not include_inactive:
            models = _active_image_models(session)
        else:
            rows = session.exec(select(ApiModel, ApiProvider).join(ApiProvider)
                                .where(ApiModel.modality == "image")
                                .order_by(col(ApiModel.priority).desc(), col(ApiModel.display_name)))
            models = [RoutedModel(m, p) for m, p in rows]
    return [m for m in models if m.removes_background == background_removal]


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
