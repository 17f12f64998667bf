"""Providers for admins (issue 15.1): several of one kind, keys sealed at rest and never shown, the
environment's key winning over the stored one, first activation, and the admin rule on every call."""

from __future__ import annotations

import pytest
from sqlmodel import select

from core.admin import providers
from core.context import Context
from core.credentials import resolve
from core.errors import Forbidden, NotFound, ValidationError
from core.models import ApiModel, ApiProvider, User
from core.seed import seed_database
from tests.support.admin import make_admin
from tests.support.factories import make_user

KEY = "sk-or-v1-0123456789abcdef-WXYZ"


def admin(ctx: Context) -> User:
    return make_admin(ctx.db)


def stored(ctx: Context, provider_id: str) -> ApiProvider:
    with ctx.db.read() as session:
        row = session.get(ApiProvider, provider_id)
        assert row is not None
        return row


async def test_two_openai_providers_with_their_own_keys_sealed_and_never_shown(ctx: Context) -> None:
    seed_database(ctx.db)
    actor = admin(ctx)
    ollama = providers.create_provider(ctx, actor, {"kind": "openai", "name": "Ollama",
                                                    "base_url": "http://127.0.0.1:11434/v1/"})
    router = providers.create_provider(ctx, actor, {"kind": "openai", "name": "OpenRouter",
                                                    "base_url": "https://openrouter.ai/api/v1", "api_key": KEY})
    assert (ollama.kind, ollama.base_url, ollama.has_credentials, ollama.credential_hint) == \
        ("openai", "http://127.0.0.1:11434/v1", False, "")
    assert (router.has_credentials, router.credential_hint, router.credential_source) == (True, "WXYZ", "stored")
    assert KEY not in repr(router) and KEY not in repr(providers.list_providers(ctx, actor))
    row = stored(ctx, router.id)
    assert row.credentials and KEY not in row.credentials and row.credentials.startswith("v1.")
    assert resolve(ctx.settings, row).api_key == KEY  # what the adapter gets
    assert resolve(ctx.settings, stored(ctx, ollama.id)).api_key == ""


async def test_the_environment_wins_over_a_stored_key_on_the_row_it_belongs_to(ctx: Context) -> None:
    seed_database(ctx.db)
    actor = admin(ctx)
    with ctx.db.read() as session:
        fal = session.exec(select(ApiProvider).where(ApiProvider.name == "fal")).one()
    providers.update_provider(ctx, actor, fal.id, {"api_key": "stored-key-1234"})
    assert resolve(ctx.settings, stored(ctx, fal.id)).api_key == "stored-key-1234"
    ctx.settings.fal_key = "env-key-abcd5678"
    view = providers.get_provider(ctx, actor, fal.id)
    assert (view.credential_source, view.credential_hint) == ("environment", "5678")
    assert resolve(ctx.settings, stored(ctx, fal.id)).api_key == "env-key-abcd5678"
    second = providers.create_provider(ctx, actor, {"kind": "fal", "name": "fal (work)", "api_key": "work-key-0000"})
    assert resolve(ctx.settings, stored(ctx, second.id)).api_key == "work-key-0000"  # FAL_KEY is not its variable


async def test_an_empty_key_removes_it_and_a_missing_one_keeps_it(ctx: Context) -> None:
    actor = admin(ctx)
    made = providers.create_provider(ctx, actor, {"kind": "replicate", "name": "Replicate 2", "api_key": KEY})
    kept = providers.update_provider(ctx, actor, made.id, {"name": "Replicate (mine)", "active": False})
    assert (kept.name, kept.active, kept.has_credentials) == ("Replicate (mine)", False, True)
    removed = providers.update_provider(ctx, actor, made.id, {"api_key": ""})
    assert not removed.has_credentials and stored(ctx, made.id).credentials is None


async def test_adding_the_seeded_placeholder_name_takes_it_over_and_switches_on_its_models(ctx: Context) -> None:
    seed_database(ctx.db)
    actor = admin(ctx)
    made = providers.create_provider(ctx, actor, {"kind": "comfyui", "name": "comfyui",
                                                  "base_url": "http://127.0.0.1:9999"})
    with ctx.db.read() as session:
        rows = session.exec(select(ApiProvider).where(ApiProvider.kind == "comfyui")).all()
        models = session.exec(select(ApiModel).where(ApiModel.provider_id == made.id)).all()
    assert [r.id for r in rows] == [made.id] and made.active and made.base_url == "http://127.0.0.1:9999"
    assert models and all(m.is_active for m in models)
    with pytest.raises(ValidationError) as taken:
        providers.create_provider(ctx, actor, {"kind": "comfyui", "name": "ComfyUI"})
    assert "already exists" in taken.value.errors["name"]


async def test_bad_input_is_refused_at_its_field_and_nothing_is_written(ctx: Context) -> None:
    actor = admin(ctx)
    with pytest.raises(ValidationError) as caught:
        providers.create_provider(ctx, actor, {"kind": "telepathy", "name": " ", "base_url": "ftp://x",
                                               "active": "yes"})
    assert set(caught.value.errors) == {"kind", "name", "base_url", "active"}
    with ctx.db.read() as session:
        assert session.exec(select(ApiProvider)).all() == []
    made = providers.create_provider(ctx, actor, {"kind": "openai", "name": "LM Studio"})
    with pytest.raises(ValidationError, match="cannot change"):
        providers.update_provider(ctx, actor, made.id, {"kind": "fal"})


async def test_deleting_a_provider_deletes_its_models(ctx: Context) -> None:
    seed_database(ctx.db)
    actor = admin(ctx)
    with ctx.db.read() as session:
        fal = session.exec(select(ApiProvider).where(ApiProvider.name == "fal")).one()
    providers.delete_provider(ctx, actor, fal.id)
    with ctx.db.read() as session:
        assert session.exec(select(ApiModel).where(ApiModel.provider_id == fal.id)).all() == []
    with pytest.raises(NotFound):
        providers.get_provider(ctx, actor, fal.id)


async def test_every_function_refuses_a_non_admin(ctx: Context) -> None:
    seed_database(ctx.db)
    admin(ctx)  # the first account is the admin
    someone = make_user(ctx.db, "someone@example.com")
    assert not someone.is_admin
    with ctx.db.read() as session:
        any_id = session.exec(select(ApiProvider)).first().id  # type: ignore[union-attr]
    for call in (lambda: providers.list_providers(ctx, someone),
                 lambda: providers.get_provider(ctx, someone, any_id),
                 lambda: providers.create_provider(ctx, someone, {"kind": "openai", "name": "x"}),
                 lambda: providers.update_provider(ctx, someone, any_id, {"active": True}),
                 lambda: providers.delete_provider(ctx, someone, any_id)):
        with pytest.raises(Forbidden):
            call()
    with pytest.raises(Forbidden):
        await providers.test_provider(ctx, someone, any_id)
    with pytest.raises(Forbidden):
        await providers.discover(ctx, someone, any_id)


async def test_a_placeholder_taken_over_in_another_spelling_gets_its_models_switched_on(ctx: Context) -> None:
    seed_database(ctx.db)
    actor = make_admin(ctx.db)
    made = providers.create_provider(ctx, actor, {"kind": "fal", "name": "FAL", "api_key": "fal-key-0123456789"})
    with ctx.db.read() as session:
        fal_rows = session.exec(select(ApiProvider).where(ApiProvider.kind == "fal")).all()
        face = session.exec(select(ApiModel).where(ApiModel.model_key == "fal-ai/flux-pulid")).one()
    assert [(r.id, r.name) for r in fal_rows] == [(made.id, "FAL")]
    assert face.provider_id == made.id and face.is_active  # the face-consistent models are usable now
    assert seed_database(ctx.db).total == 0  # and the seed does not put a second fal row back


async def test_stored_keys_reach_the_suggester_and_the_adapters(ctx: Context) -> None:
    from core.admin import models
    from core.generation.provider_setup import provider_config
    from core.suggest.character import chat_config

    seed_database(ctx.db)
    actor = make_admin(ctx.db)
    router = providers.create_provider(ctx, actor, {"kind": "openai", "name": "OpenRouter", "api_key": KEY,
                                                    "base_url": "https://openrouter.ai/api/v1"})
    chat = models.create_model(ctx, actor, {"provider_id": router.id, "model_key": "meta-llama/llama-3.1-8b",
                                            "modality": "chat"})
    config = chat_config(ctx, chat.id)
    assert config is not None and (config.base_url, config.api_key, config.model) == \
        ("https://openrouter.ai/api/v1", KEY, "meta-llama/llama-3.1-8b")
    forge = providers.create_provider(ctx, actor, {"kind": "automatic1111", "name": "Forge",
                                                   "base_url": "http://gpu:7860", "api_key": "me:pass word"})
    built = provider_config(ctx.settings, stored(ctx, forge.id))
    assert (built.extra["username"], built.extra["password"], built.base_url) == ("me", "pass word", "http://gpu:7860")
