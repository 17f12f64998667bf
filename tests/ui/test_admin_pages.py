"""The admin pages (issue 15.1/15.8) with NiceGUI's User harness: providers added from the form with their
key sealed, Test connection showing the exact failure, Discover models adding one, models reordered with
the arrows, JSON mistakes named at their field, and the not-found page for anyone but an admin."""

from __future__ import annotations

import socket

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlmodel import select

from core.admin import models as admin_models
from core.models import ApiProvider
from tests.support.comfyui_peer import CHECKPOINTS, ComfyPeer
from tests.support.pages import SLOW, account, eventually, local_account, open_not_found, sign_in_through_form
from tests.support.provider_servers import running_server
from tests.support.served_app import running_studio

KEY = "sk-ui-0123456789abcdef-LAST"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def provider_row(name: str) -> ApiProvider:
    with running_studio().ctx.db.read() as session:
        return session.exec(select(ApiProvider).where(ApiProvider.name == name)).one()


async def test_an_admin_adds_a_provider_whose_key_is_sealed_and_never_shown(user: User) -> None:
    local_account()  # single-user mode: the local account is the admin
    await user.open("/admin/providers")
    await user.should_see("Providers")
    user.find(marker="add-provider").click()
    await user.should_see(marker="provider-form")
    user.find(marker="provider-name").type("OpenRouter")
    user.find(marker="provider-base-url").type("https://openrouter.ai/api/v1")
    user.find(marker="provider-api-key").type(KEY)
    user.find(marker="provider-save").click()
    await user.should_see("Saved OpenRouter", retries=SLOW)
    await user.should_see("Key stored (…LAST) · 0 models")
    row = provider_row("OpenRouter")
    assert row.kind == "openai" and row.credentials and KEY not in row.credentials
    assert not any(KEY in getattr(e, "text", "") or getattr(e, "value", None) == KEY
                   for e in user.find(ui.element).elements)


async def test_a_duplicate_name_is_refused_at_the_name_field(user: User) -> None:
    local_account()
    await user.open("/admin/providers")
    user.find(marker="add-provider").click()
    await user.should_see(marker="provider-form")
    user.find(marker="provider-name").type("Builtin")
    user.find(marker="provider-save").click()
    await user.should_see(marker="provider-form")
    name = next(iter(user.find(marker="provider-name").elements))
    await eventually(lambda: bool(name.error))  # type: ignore[attr-defined]
    assert name.error == "A provider named 'builtin' already exists"  # type: ignore[attr-defined]


async def test_test_connection_shows_the_exact_failure_and_then_success(user: User) -> None:
    local_account()
    async with running_server() as server:
        peer = ComfyPeer(server)
        port = closed_port()
        await user.open("/admin/providers")
        user.find(marker="add-provider").click()
        await user.should_see(marker="provider-form")
        user.find(marker="provider-kind").click()  # open the select, then pick ComfyUI
        user.find("ComfyUI").click()
        user.find(marker="provider-name").type("GPU box")
        user.find(marker="provider-base-url").type(f"http://127.0.0.1:{port}")
        user.find(marker="provider-save").click()
        await user.should_see("Saved GPU box", retries=SLOW)
        box = provider_row("GPU box")
        user.find(marker=f"provider-test-{box.id}").click()
        await user.should_see(f"Cannot reach http://127.0.0.1:{port}: connection refused (is the server running, "
                              "and on that port?)", retries=SLOW)

        user.find(marker=f"provider-edit-{box.id}").click()
        await user.should_see(marker="provider-form")
        base = user.find(marker="provider-base-url")
        base.clear()
        base.type(peer.url)
        user.find(marker="provider-save").click()
        await eventually(lambda: provider_row("GPU box").base_url == peer.url)
        await user.should_not_see(marker="provider-form")
        user.find(marker=f"provider-test-{box.id}").click()
        await user.should_see("Connected to ComfyUI 0.3.40.", retries=SLOW)

        user.find(marker=f"provider-discover-{box.id}").click()
        await user.should_see(marker="discover-dialog", retries=SLOW)
        user.find(marker=f"discover-add-{CHECKPOINTS[0]}").click()
        await user.should_see("Added", retries=SLOW)
        await peer.close()
    added = admin_models.list_models(running_studio().ctx, local_account(), provider_id=box.id)
    assert [(m.model_key, m.input_defaults.get("model"), m.workflow is not None) for m in added] == \
        [(CHECKPOINTS[0], CHECKPOINTS[0], True)]


async def test_models_move_with_the_arrows_and_bad_json_is_named_at_its_field(user: User) -> None:
    me = local_account()
    ctx = running_studio().ctx
    before = [m.id for m in admin_models.list_models(ctx, me, modality="image")]
    await user.open("/admin/models")
    await user.should_see("Image models")
    user.find(marker=f"model-up-{before[1]}").click()
    await eventually(lambda: [m.id for m in admin_models.list_models(ctx, me, modality="image")][:2]
                     == [before[1], before[0]])

    user.find(marker=f"model-edit-{before[0]}").click()
    await user.should_see(marker="model-form")
    defaults = user.find(marker="model-input-defaults")
    defaults.clear()
    defaults.type('{"steps": 30,}')
    user.find(marker="model-save").click()
    box = next(iter(defaults.elements))
    await eventually(lambda: bool(box.error))  # type: ignore[attr-defined]
    assert box.error.startswith("Not valid JSON: ")  # type: ignore[attr-defined]
    defaults.clear()
    defaults.type("[1, 2]")
    user.find(marker="model-save").click()
    await eventually(lambda: box.error == 'Must be a JSON object, like {"steps": 25}')  # type: ignore[attr-defined]


@pytest.mark.usefixtures("password_auth")
@pytest.mark.parametrize("path", ["/admin/providers", "/admin/models"])
async def test_anyone_but_an_admin_gets_the_not_found_page(user: User, path: str) -> None:
    account("boss@example.com")  # the first account is the admin
    account("someone@example.com")
    await sign_in_through_form(user, "someone@example.com")
    page = await open_not_found(user, path)
    assert "Add provider" not in page and "Add model" not in page


async def test_an_uploaded_workflow_fills_the_form_and_a_ui_format_one_is_named(user: User) -> None:
    import json

    from core.generation.providers.comfy_workflow import example_workflow
    from ui.components.file_picker import UPLOAD_PATH, FilePicker

    me = local_account()
    comfy = provider_row("comfyui")
    await user.open("/admin/models")
    user.find(marker="add-model").click()
    await user.should_see(marker="model-form")
    user.find(marker="model-provider").click()
    user.find("comfyui (comfyui)").click()
    (picker,) = user.find(marker="model-workflow-upload").elements
    assert isinstance(picker, FilePicker)
    ui_format = json.dumps({"nodes": [], "links": []}).encode()
    sent = await user.http_client.post(f"{UPLOAD_PATH}/{picker.token}", files={"file": ("wf.json", ui_format)})
    assert sent.status_code == 200
    (box,) = user.find(marker="model-workflow").elements
    await eventually(lambda: box.error == "This is a workflow in ComfyUI's UI format: export it with "  # type: ignore[attr-defined]
                     "“Export (API)” instead")
    graph = json.dumps(example_workflow("image_to_image")).encode()
    await user.http_client.post(f"{UPLOAD_PATH}/{picker.token}", files={"file": ("wf.json", graph)})
    await eventually(lambda: box.error is None and '"%reference_image%"' in box.value)  # type: ignore[attr-defined]
    user.find(marker="model-key").type("uploaded-i2i")
    user.find(marker="model-save").click()
    await eventually(lambda: any(m.model_key == "uploaded-i2i" and m.requires_reference
                                 for m in admin_models.list_models(running_studio().ctx, me, provider_id=comfy.id)))
