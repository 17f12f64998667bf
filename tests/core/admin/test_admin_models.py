"""Models for admins (issue 15.1): ComfyUI workflows validated (a reference placeholder marks I2I), the
examples loadable by name, input_defaults validated as a JSON object at its field, priority by order."""

from __future__ import annotations

import pytest
from sqlmodel import select

from core.admin import models, providers
from core.context import Context
from core.errors import Forbidden, ValidationError
from core.generation.providers.comfy_workflow import example_workflow
from core.generation.routing import route_image_request
from core.models import ApiModel
from core.seed import seed_database
from tests.support.admin import make_admin
from tests.support.factories import make_user


async def test_a_comfyui_model_keeps_its_workflow_and_a_reference_placeholder_makes_it_i2i(ctx: Context) -> None:
    actor = make_admin(ctx.db)
    comfy = providers.create_provider(ctx, actor, {"kind": "comfyui", "name": "GPU box",
                                                   "base_url": "http://127.0.0.1:8188"})
    t2i = models.create_model(ctx, actor, {"provider_id": comfy.id, "model_key": "sdxl-t2i",
                                           "workflow": example_workflow("text_to_image"),
                                           "input_defaults": '{"steps": 30}'})
    i2i = models.create_model(ctx, actor, {"provider_id": comfy.id, "model_key": "sdxl-i2i",
                                           "display_name": "SDXL from the reference",
                                           "workflow_example": "image_to_image"})
    assert (t2i.supports_i2i, t2i.requires_reference, t2i.input_defaults) == (False, False, {"steps": 30})
    assert (i2i.supports_i2i, i2i.requires_reference) == (True, True) and "reference_image" in i2i.placeholders
    assert i2i.workflow == example_workflow("image_to_image")
    with ctx.db.read() as session:
        row = session.get(ApiModel, i2i.id)
    assert row is not None and row.input_defaults["workflow"] == example_workflow("image_to_image")  # the adapter's
    assert [r.model.id for r in route_image_request(ctx.db, api_model_id=None, i2i=True)][:1] == [i2i.id]
    assert [r.model.id for r in route_image_request(ctx.db, api_model_id=None, i2i=False)][:1] == [t2i.id]


async def test_bad_json_and_bad_workflows_are_refused_at_their_field(ctx: Context) -> None:
    actor = make_admin(ctx.db)
    comfy = providers.create_provider(ctx, actor, {"kind": "comfyui", "name": "GPU box"})
    with pytest.raises(ValidationError) as caught:
        models.create_model(ctx, actor, {"provider_id": comfy.id, "model_key": "x", "input_defaults": "{steps: 3}",
                                         "workflow": {"nodes": [], "links": []}, "modality": "video",
                                         "max_resolution": "big"})
    errors = caught.value.errors
    assert errors["input_defaults"].startswith("Not valid JSON: Expecting property name enclosed in double quotes")
    assert errors["workflow"] == "This is a workflow in ComfyUI's UI format: export it with “Export (API)” instead"
    assert set(errors) == {"input_defaults", "workflow", "modality", "max_resolution"}
    with pytest.raises(ValidationError) as listed:
        models.create_model(ctx, actor, {"provider_id": comfy.id, "model_key": "x", "input_defaults": "[1, 2]"})
    assert listed.value.errors == {"input_defaults": 'Must be a JSON object, like {"steps": 25}'}
    with pytest.raises(ValidationError) as missing:
        models.create_model(ctx, actor, {"provider_id": comfy.id, "model_key": "x"})
    assert "needs a workflow" in missing.value.errors["workflow"]
    with ctx.db.read() as session:
        assert session.exec(select(ApiModel)).all() == []


async def test_edit_delete_and_reorder_by_dragging(ctx: Context) -> None:
    seed_database(ctx.db)
    actor = make_admin(ctx.db)
    image = [m for m in models.list_models(ctx, actor, modality="image")]
    assert [m.priority for m in image] == sorted((m.priority for m in image), reverse=True)
    dragged = [image[-1].id, *[m.id for m in image[:-1]]]  # the last one dragged to the top
    models.reorder_models(ctx, actor, dragged)
    after = models.list_models(ctx, actor, modality="image")
    assert [m.id for m in after] == dragged and len({m.priority for m in after}) == len(after)
    edited = models.update_model(ctx, actor, after[0].id, {"active": False, "max_resolution": "2048x2048",
                                                           "display_name": "Renamed"})
    assert (edited.active, edited.max_resolution, edited.display_name) == (False, "2048x2048", "Renamed")
    models.delete_model(ctx, actor, edited.id)
    assert edited.id not in {m.id for m in models.list_models(ctx, actor)}


async def test_a_new_model_goes_first_unless_given_a_priority_and_keys_are_unique(ctx: Context) -> None:
    seed_database(ctx.db)
    actor = make_admin(ctx.db)
    router = providers.create_provider(ctx, actor, {"kind": "openai", "name": "OpenRouter", "api_key": "k" * 20})
    chat = models.create_model(ctx, actor, {"provider_id": router.id, "model_key": "meta/llama-3", "modality": "chat"})
    assert chat.priority > max(m.priority for m in models.list_models(ctx, actor, modality="chat") if m.id != chat.id)
    with pytest.raises(ValidationError) as twice:
        models.create_model(ctx, actor, {"provider_id": router.id, "model_key": "meta/llama-3", "modality": "chat"})
    assert "already has a model" in twice.value.errors["model_key"]
    with pytest.raises(ValidationError, match="Only ComfyUI image models take a workflow"):
        models.create_model(ctx, actor, {"provider_id": router.id, "model_key": "img", "workflow": "text_to_image"})


async def test_models_are_for_admins_only(ctx: Context) -> None:
    make_admin(ctx.db)
    someone = make_user(ctx.db, "someone@example.com")
    with pytest.raises(Forbidden):
        models.list_models(ctx, someone)
    with pytest.raises(Forbidden):
        models.create_model(ctx, someone, {"provider_id": "x", "model_key": "y"})
    with pytest.raises(Forbidden):
        models.reorder_models(ctx, someone, [])
