"""Models for admins: list, add, edit, delete, reorder (priority), with their capabilities and inputs.

A model row belongs to a provider and says what routing needs: ``modality`` (``image`` or ``chat``),
``priority`` (higher is preferred), ``active``, and ``capabilities`` (``supports_i2i``,
``requires_reference``, ``max_resolution``, and the ``i2i_*`` names of the inputs that carry a
reference, see core/seed.py). ``input_defaults`` is a JSON object sent with every request. A ComfyUI
model has a workflow (ComfyUI's "Export (API)"), kept in ``input_defaults["workflow"]`` where the
adapter reads it, validated by :func:`core.generation.providers.comfy_workflow.validate_workflow`;
a workflow with a reference placeholder (``%reference_image%``, ``%char_avatar%``) needs a reference
to run, so it marks the model ``supports_i2i`` and ``requires_reference``. The shipped examples load
by name (``workflow_example``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from core.admin_access import require_admin
from core.context import Context
from core.errors import NotFound, ValidationError
from core.generation.providers.comfy_workflow import (
    EXAMPLES,
    WorkflowError,
    example_workflow,
    placeholders_in,
    uses_reference,
    validate_workflow,
)
from core.models import ApiModel, ApiProvider, User, utcnow

log = logging.getLogger(__name__)

MODEL_MODALITIES = ("image", "chat")
MODEL_FIELDS = ("provider_id", "model_key", "display_name", "modality", "priority", "active", "supports_i2i",
                "requires_reference", "max_resolution", "capabilities", "input_defaults", "workflow",
                "workflow_example")
KEY_MAX = 200
NAME_MAX = 200
JSON_MAX = 1_000_000  # characters of input_defaults or workflow: a large ComfyUI graph is ~100 kB
_RESOLUTION = re.compile(r"^[1-9][0-9]{1,4}x[1-9][0-9]{1,4}$")


@dataclass(frozen=True)
class ModelView:
    id: str
    provider_id: str
    provider_name: str
    provider_kind: str
    model_key: str
    display_name: str
    modality: str
    priority: int
    active: bool
    supports_i2i: bool
    requires_reference: bool
    max_resolution: str | None
    capabilities: dict[str, Any]
    input_defaults: dict[str, Any]  # without the workflow
    workflow: dict[str, Any] | None
    placeholders: list[str]  # the workflow's, for the form
    created_at: datetime
    updated_at: datetime


def list_models(ctx: Context, actor: User, *, provider_id: str | None = None,
                modality: str | None = None) -> list[ModelView]:
    """Models, image ones first, each modality best first (the order routing tries them in)."""
    require_admin(actor)
    with ctx.db.read() as session:
        query = select(ApiModel, ApiProvider).join(ApiProvider)
        if provider_id:
            query = query.where(ApiModel.provider_id == provider_id)
        if modality:
            query = query.where(ApiModel.modality == modality)
        query = query.order_by(col(ApiModel.modality).desc(), col(ApiModel.priority).desc(),
                               col(ApiModel.display_name), col(ApiModel.id))
        return [_view(model, provider) for model, provider in session.exec(query)]


def get_model(ctx: Context, actor: User, model_id: str) -> ModelView:
    require_admin(actor)
    with ctx.db.read() as session:
        model = _row(session, model_id)
        return _view(model, _provider(session, model.provider_id))


def create_model(ctx: Context, actor: User, data: Mapping[str, Any]) -> ModelView:
    """A new model; without a priority it goes first among its modality (one above the highest)."""
    require_admin(actor)
    values = _clean(data)
    errors = {f: "Required" for f in ("provider_id", "model_key") if f not in values}
    if errors:
        raise ValidationError(errors)
    with ctx.db.write() as session:
        provider = _provider(session, values["provider_id"], field="provider_id")
        modality = values.get("modality", "image")
        model = ApiModel(provider_id=provider.id, model_key=values["model_key"],
                         display_name=values.get("display_name") or values["model_key"], modality=modality,
                         priority=values["priority"] if "priority" in values else _next_priority(session, modality),
                         is_active=values.get("active", True))
        _apply(model, provider, values, creating=True)
        _check_key_free(session, provider.id, model.model_key)
        session.add(model)
        session.flush()
        log.info("admin %s added model %r on provider %r", actor.id, model.model_key, provider.name)
        return _view(model, provider)


def update_model(ctx: Context, actor: User, model_id: str, data: Mapping[str, Any]) -> ModelView:
    require_admin(actor)
    values = _clean(data)
    with ctx.db.write() as session:
        model = _row(session, model_id)
        provider = _provider(session, values.get("provider_id", model.provider_id), field="provider_id")
        if provider.id != model.provider_id or values.get("model_key", model.model_key) != model.model_key:
            _check_key_free(session, provider.id, values.get("model_key", model.model_key), except_id=model.id)
        model.provider_id = provider.id
        for field, attr in (("model_key", "model_key"), ("display_name", "display_name"), ("modality", "modality"),
                            ("priority", "priority"), ("active", "is_active")):
            if field in values:
                setattr(model, attr, values[field])
        _apply(model, provider, values, creating=False)
        model.updated_at = utcnow()
        session.add(model)
        session.flush()
        log.info("admin %s edited model %r (%s)", actor.id, model.model_key, ", ".join(sorted(values)))
        return _view(model, provider)


def delete_model(ctx: Context, actor: User, model_id: str) -> None:
    require_admin(actor)
    with ctx.db.write() as session:
        model = _row(session, model_id)
        session.delete(model)
        log.info("admin %s deleted model %r", actor.id, model.model_key)


def reorder_models(ctx: Context, actor: User, ordered_ids: Sequence[str]) -> list[ModelView]:
    """Priorities from an order (first = preferred), as dragging the list sets them: the listed models
    get the priorities they already had between them, redistributed in the new order, so models not
    listed (another modality) keep their place."""
    require_admin(actor)
    if len(set(ordered_ids)) != len(ordered_ids):
        raise ValidationError({"order": "A model is listed twice"})
    with ctx.db.write() as session:
        rows = [_row(session, model_id) for model_id in ordered_ids]
        priorities = sorted((row.priority for row in rows), reverse=True)
        for index in range(1, len(priorities)):  # distinct values, so the order holds even among equals
            priorities[index] = min(priorities[index], priorities[index - 1] - 1)
        for row, priority in zip(rows, priorities, strict=True):
            if row.priority != priority:
                row.priority, row.updated_at = priority, utcnow()
                session.add(row)
    return [get_model(ctx, actor, model_id) for model_id in ordered_ids]


def parse_json_object(value: Any, field: str) -> dict[str, Any]:
    """A JSON object from a dict or its text; ``ValidationError`` at ``field`` saying what is wrong."""
    if isinstance(value, str):
        if len(value) > JSON_MAX:
            raise ValidationError({field: f"Too long (more than {JSON_MAX:,} characters)"})
        try:
            value = json.loads(value) if value.strip() else {}
        except json.JSONDecodeError as exc:
            raise ValidationError({field: f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"}) \
                from exc
    if not isinstance(value, dict):
        raise ValidationError({field: "Must be a JSON object, like {\"steps\": 25}"})
    return value


# -- helpers ----------------------------------------------------------------------------------------

def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    unknown = set(data) - set(MODEL_FIELDS)
    if unknown:
        errors["_"] = f"Unknown field(s): {', '.join(sorted(unknown))}"
    present = {k: v for k, v in data.items() if k in MODEL_FIELDS and v is not None}
    for field, limit in (("provider_id", 36), ("model_key", KEY_MAX), ("display_name", NAME_MAX)):
        if field in present:
            text = present[field]
            if not isinstance(text, str) or not text.strip():
                errors[field] = "Must be non-empty text"
            elif len(text.strip()) > limit:
                errors[field] = f"Longer than {limit} characters"
            else:
                values[field] = text.strip()
    if "modality" in present:
        if present["modality"] not in MODEL_MODALITIES:
            errors["modality"] = f"Modality must be one of: {', '.join(MODEL_MODALITIES)}"
        else:
            values["modality"] = present["modality"]
    if "priority" in present:
        priority = present["priority"]
        if not isinstance(priority, int) or isinstance(priority, bool) or not -1_000_000 <= priority <= 1_000_000:
            errors["priority"] = "Priority must be a whole number (higher is preferred)"
        else:
            values["priority"] = priority
    for flag in ("active", "supports_i2i", "requires_reference"):
        if flag in present:
            if not isinstance(present[flag], bool):
                errors[flag] = "Must be true or false"
            else:
                values[flag] = present[flag]
    if "max_resolution" in data:
        resolution = data["max_resolution"]
        if resolution in (None, ""):
            values["max_resolution"] = None
        elif not isinstance(resolution, str) or not _RESOLUTION.match(resolution.strip()):
            errors["max_resolution"] = "Write it as WIDTHxHEIGHT, like 1536x1536"
        else:
            values["max_resolution"] = resolution.strip()
    for field in ("capabilities", "input_defaults"):
        if field in present:
            _collect(errors, values, field, lambda v, f=field: parse_json_object(v, f), present[field])
    if "input_defaults" in values and "workflow" in values["input_defaults"]:
        errors["input_defaults"] = "Put the workflow in its own field, not in input_defaults"
    if "workflow" in data:
        _collect(errors, values, "workflow", _workflow, data["workflow"])
    if "workflow_example" in present:
        _collect(errors, values, "workflow_example", _example, present["workflow_example"])
    if errors:
        raise ValidationError(errors)
    return values


def _collect(errors: dict[str, str], values: dict[str, Any], field: str, parse: Any, raw: Any) -> None:
    try:
        values[field] = parse(raw)
    except ValidationError as exc:
        errors.update(exc.errors)


def _workflow(raw: Any) -> dict[str, Any] | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, str) and raw.strip() in EXAMPLES:
        return example_workflow(raw.strip())
    try:
        return validate_workflow(raw)
    except WorkflowError as exc:
        raise ValidationError({"workflow": str(exc)}) from exc


def _example(name: Any) -> dict[str, Any]:
    if name not in EXAMPLES:
        raise ValidationError({"workflow_example": f"Choose one of: {', '.join(EXAMPLES)}"})
    return example_workflow(name)


def _apply(model: ApiModel, provider: ApiProvider, values: Mapping[str, Any], *, creating: bool) -> None:
    """Capabilities, input defaults and workflow onto the row, keeping what ``values`` does not name."""
    capabilities = dict(values["capabilities"]) if "capabilities" in values else dict(model.capabilities or {})
    defaults = dict(values["input_defaults"]) if "input_defaults" in values else dict(model.input_defaults or {})
    workflow = (model.input_defaults or {}).get("workflow")
    if "input_defaults" in values:
        defaults.pop("workflow", None)
    if "workflow" in values or "workflow_example" in values:
        workflow = values.get("workflow") or values.get("workflow_example")
    if provider.kind == "comfyui" and model.modality == "image":
        if workflow is None:
            raise ValidationError({"workflow": "A ComfyUI model needs a workflow: paste ComfyUI's “Export (API)” "
                                               "JSON, or load an example"})
        defaults["workflow"] = workflow
        if uses_reference(workflow):
            capabilities["supports_i2i"] = capabilities["requires_reference"] = True
        elif "workflow" in values or "workflow_example" in values or creating:
            capabilities.setdefault("supports_i2i", False)
            capabilities.pop("requires_reference", None)
    elif workflow is not None and ("workflow" in values or "workflow_example" in values):
        raise ValidationError({"workflow": "Only ComfyUI image models take a workflow"})
    for flag in ("supports_i2i", "requires_reference"):
        if flag in values and not (provider.kind == "comfyui" and workflow is not None and uses_reference(workflow)):
            capabilities[flag] = values[flag]
    if "max_resolution" in values:
        if values["max_resolution"]:
            capabilities["max_resolution"] = values["max_resolution"]
        else:
            capabilities.pop("max_resolution", None)
    if model.modality == "image":
        capabilities.setdefault("supports_i2i", False)
    model.capabilities, model.input_defaults = capabilities, defaults
    size = len(json.dumps(defaults)) + len(json.dumps(capabilities))
    if size > JSON_MAX:
        raise ValidationError({"input_defaults": f"Too large ({size:,} characters of JSON)"})


def _next_priority(session: Session, modality: str) -> int:
    highest = session.exec(select(sa.func.max(ApiModel.priority)).where(ApiModel.modality == modality)).one()
    return int(highest or 0) + 1


def _check_key_free(session: Session, provider_id: str, model_key: str, except_id: str | None = None) -> None:
    row = session.exec(select(ApiModel).where(ApiModel.provider_id == provider_id,
                                              ApiModel.model_key == model_key)).first()
    if row is not None and row.id != except_id:
        raise ValidationError({"model_key": f"This provider already has a model {model_key!r}"})


def _row(session: Session, model_id: str) -> ApiModel:
    model = session.get(ApiModel, model_id)
    if model is None:
        raise NotFound("Model not found")
    return model


def _provider(session: Session, provider_id: str, field: str = "provider_id") -> ApiProvider:
    provider = session.get(ApiProvider, provider_id)
    if provider is None:
        raise ValidationError({field: "No such provider"})
    return provider


def _view(model: ApiModel, provider: ApiProvider) -> ModelView:
    capabilities = dict(model.capabilities or {})
    defaults = {k: v for k, v in (model.input_defaults or {}).items() if k != "workflow"}
    workflow = (model.input_defaults or {}).get("workflow")
    return ModelView(
        id=model.id, provider_id=provider.id, provider_name=provider.name, provider_kind=provider.kind,
        model_key=model.model_key, display_name=model.display_name, modality=model.modality,
        priority=model.priority, active=model.is_active, supports_i2i=bool(capabilities.get("supports_i2i")),
        requires_reference=bool(capabilities.get("requires_reference")),
        max_resolution=capabilities.get("max_resolution"), capabilities=capabilities, input_defaults=defaults,
        workflow=workflow if isinstance(workflow, dict) else None,
        placeholders=sorted(placeholders_in(workflow)) if isinstance(workflow, dict) else [],
        created_at=model.created_at, updated_at=model.updated_at)
