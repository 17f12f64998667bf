"""First-start data: what the first seed inserts, and that later starts never change or resurrect rows."""

from __future__ import annotations

import copy
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from core.db import Database
from core.generation.providers.comfy_workflow import example_workflow
from core.models import ApiModel, ApiProvider, CharacterTemplate, Preset, SeedRecord
from core.presets import list_presets, preset_tags
from core.seed import SeedData, SeedDataError, load_seed_data, seed_database

POSES = ["Standing", "Profile", "Back", "Sitting", "Lying", "Close-up"]
CHIPS = ["elegant", "casual", "athletic", "gothic", "fantasy", "sci_fi", "vintage", "streetwear"]


def _models(db: Database) -> dict[str, tuple[ApiProvider, ApiModel]]:
    with db.read() as session:
        providers = {p.id: p for p in session.exec(select(ApiProvider)).all()}
        return {m.model_key: (providers[m.provider_id], m) for m in session.exec(select(ApiModel)).all()}


def _snapshot(db: Database) -> dict[tuple[str, str], datetime]:
    """Every seeded row's updated_at, keyed by table and id."""
    out: dict[tuple[str, str], datetime] = {}
    with db.read() as session:
        for table in (ApiProvider, ApiModel, CharacterTemplate, Preset):
            for row in session.exec(select(table)).all():
                out[(table.__tablename__, row.id)] = row.updated_at
    return out


def test_first_seed_inserts_the_expected_rows(db: Database) -> None:
    data = load_seed_data()
    report = seed_database(db)

    assert report.providers == 6
    assert report.models == len(data.models) == 17  # incl. the two background removers (issue 16)
    assert report.templates == len(data.templates) >= 8
    assert report.presets == len(data.presets)
    assert report.adopted == 0
    with db.read() as session:
        providers = {p.name: p for p in session.exec(select(ApiProvider)).all()}
        records = session.exec(select(SeedRecord)).all()
    assert set(providers) == {"builtin", "fal", "replicate", "openai", "automatic1111", "comfyui"}
    assert providers["builtin"].is_active
    assert providers["openai"].display_name == "OpenAI-compatible"
    assert providers["automatic1111"].display_name == "Automatic1111 / Forge"
    for name in ("fal", "replicate", "openai", "automatic1111", "comfyui"):
        assert not providers[name].is_active, name
        assert providers[name].base_url and providers[name].base_url.startswith("http"), name
    assert len(records) == report.total


def test_builtin_renderer_is_active_lowest_priority_and_supports_i2i(db: Database) -> None:
    seed_database(db)
    models = _models(db)

    provider, builtin = models["builtin/preview"]
    assert provider.name == "builtin"
    assert builtin.is_active and builtin.modality == "image"
    assert builtin.capabilities["supports_i2i"] is True
    assert builtin.capabilities["max_resolution"] == "1024x1024"
    images = [m for _, m in models.values() if m.modality == "image"]
    assert all(builtin.priority < m.priority for m in images if m is not builtin)
    assert [m.model_key for m in images if m.is_active] == ["builtin/preview"]

    for key in (
        "fal-ai/flux/dev",
        "fal-ai/flux/dev/image-to-image",
        "black-forest-labs/flux-dev",
        "gpt-image-1",
        "sd-default",
    ):
        provider, model = models[key]
        assert not model.is_active, key
        assert provider.name != "builtin"
    assert models["fal-ai/flux/dev"][1].capabilities["supports_i2i"] is False
    assert models["fal-ai/flux/dev/image-to-image"][1].input_defaults["strength"] > 0
    replicate = models["black-forest-labs/flux-dev"][1]
    assert replicate.capabilities["i2i_image_param"] == "image"
    assert replicate.capabilities["i2i_strength_param"] == "prompt_strength"
    assert "prompt_strength" in replicate.input_defaults
    assert any("seedream" in key and "edit" in key for key in models)
    assert models["builtin/offline-suggest"][1].modality == "chat"
    assert models["builtin/offline-suggest"][1].is_active
    assert not models["gpt-4o-mini"][1].is_active


def test_pose_presets_and_eight_appearance_chips(db: Database) -> None:
    seed_database(db)

    poses = list_presets(db, "pose")
    assert [p.label for p in poses] == POSES
    assert all(p.prompt for p in poses)
    assert poses[0].prompt == "full body, standing pose"
    chips = list_presets(db, "appearance")
    assert [c.key for c in chips] == CHIPS
    for chip in chips:
        tags = preset_tags(chip)
        assert chip.prompt and tags.clothing, chip.key
    athletic = preset_tags(next(c for c in chips if c.key == "athletic"))
    assert "athletic build" in athletic.appearance and "athletic build" not in athletic.clothing
    assert 5 <= len(list_presets(db, "expression")) <= 6
    assert 5 <= len(list_presets(db, "outfit")) <= 6
    assert 4 <= len(list_presets(db, "camera")) <= 5


def test_second_seed_inserts_nothing_and_touches_nothing(db: Database) -> None:
    seed_database(db)
    before = _snapshot(db)

    report = seed_database(db)

    assert report.total == 0 and report.adopted == 0
    assert _snapshot(db) == before


def test_reseed_never_overwrites_a_template_the_user_edited(db: Database) -> None:
    seed_database(db)
    with db.write() as session:
        row = session.exec(select(CharacterTemplate).where(CharacterTemplate.slug == "gothic-witch")).one()
        row.name = "My Witch"
        row.template_data = {**row.template_data, "mood": "flirty"}
        session.add(row)

    assert seed_database(db).total == 0

    with db.read() as session:
        row = session.exec(select(CharacterTemplate).where(CharacterTemplate.slug == "gothic-witch")).one()
    assert row.name == "My Witch"
    assert row.template_data["mood"] == "flirty"


def test_reseed_does_not_put_back_deleted_rows(db: Database) -> None:
    seed_database(db)
    with db.write() as session:
        session.delete(session.exec(select(Preset).where(Preset.kind == "pose", Preset.key == "lying")).one())
        session.delete(session.exec(select(CharacterTemplate).where(CharacterTemplate.slug == "anime-idol")).one())
        session.delete(session.exec(select(ApiProvider).where(ApiProvider.name == "replicate")).one())

    report = seed_database(db)

    assert report.total == 0
    assert "Lying" not in [p.label for p in list_presets(db, "pose")]
    models = _models(db)
    assert "black-forest-labs/flux-dev" not in models  # went with its provider, stays gone
    with db.read() as session:
        assert session.exec(select(CharacterTemplate).where(CharacterTemplate.slug == "anime-idol")).first() is None
        assert session.exec(select(ApiProvider).where(ApiProvider.name == "replicate")).first() is None


def test_new_rows_in_a_later_release_are_added_alone(db: Database) -> None:
    seed_database(db)
    data = load_seed_data()
    extra = {"key": "kneeling", "label": "Kneeling", "prompt": "kneeling pose", "kind": "pose", "sort_order": 6}
    newer = SeedData(data.providers, data.models, data.templates, [*data.presets, extra])
    before = _snapshot(db)

    report = seed_database(db, newer)

    assert (report.presets, report.total) == (1, 1)
    after = _snapshot(db)
    assert {k: v for k, v in after.items() if k in before} == before
    assert [p.label for p in list_presets(db, "pose")][-1] == "Kneeling"


def test_rows_made_by_hand_before_the_first_seed_are_adopted_not_duplicated(db: Database) -> None:
    with db.write() as session:
        session.add(ApiProvider(name="fal", display_name="My fal proxy", base_url="http://proxy", is_active=True))

    report = seed_database(db)

    assert report.providers == 5 and report.adopted == 1
    provider, _ = _models(db)["fal-ai/flux/dev"]
    assert (provider.display_name, provider.base_url, provider.is_active) == ("My fal proxy", "http://proxy", True)


def test_two_concurrent_first_starts_seed_once(db: Database) -> None:
    reports: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            reports.append(seed_database(db))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sorted(r.total for r in reports)[0] == 0
    assert sum(r.total for r in reports) == len(_snapshot(db))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.templates[0]["template_data"].update(mood="grumpy"), "mood must be one of"),
        (lambda d: d.templates[0]["template_data"].update(gender="robot"), "gender must be one of"),
        (lambda d: d.templates[1]["template_data"].update(description="too short"), "description must be"),
        (lambda d: d.templates[1]["template_data"].update(clothing_tags=["a", "b", "c", "d", "e"]), "at most 4"),
        (lambda d: d.templates[2]["template_data"].update(colour="blue"), "'colour' is not a field"),
        (lambda d: d.models[0].update(modality="audio"), "modality must be one of"),
        (lambda d: d.models[0].update(provider="nope"), "is not in providers.json"),
        (lambda d: d.presets[0].update(kind="lighting"), "kind must be one of"),
        (lambda d: d.templates.append(copy.deepcopy(d.templates[0])), "duplicate key"),
    ],
)
def test_broken_seed_data_fails_loudly_and_writes_nothing(db: Database, mutate: Any, message: str) -> None:
    data = copy.deepcopy(load_seed_data())
    mutate(data)

    with pytest.raises(SeedDataError, match=message):
        seed_database(db, data)

    assert _snapshot(db) == {}


def test_missing_or_malformed_file_fails_loudly(tmp_path: Path) -> None:
    (tmp_path / "presets.json").write_text("{}")
    (tmp_path / "templates.json").write_text("[]")
    (tmp_path / "models.json").write_text("[]")
    with pytest.raises(SeedDataError, match="providers.json"):
        load_seed_data(tmp_path)  # missing
    (tmp_path / "providers.json").write_text("[{")
    with pytest.raises(SeedDataError, match="providers.json"):
        load_seed_data(tmp_path)  # not JSON


def test_comfyui_models_carry_their_example_workflow_and_say_which_needs_a_reference(db: Database) -> None:
    seed_database(db)
    models = _models(db)
    _, text = models["comfyui-text-to-image"]
    _, image = models["comfyui-image-to-image"]
    assert text.input_defaults["workflow"] == example_workflow("text_to_image")
    assert image.input_defaults["workflow"] == example_workflow("image_to_image")
    assert "workflow_example" not in text.input_defaults
    assert text.capabilities["supports_i2i"] is False
    assert image.capabilities["supports_i2i"] is True and image.capabilities["requires_reference"] is True
    assert not text.is_active and not image.is_active  # until COMFYUI_URL is set
