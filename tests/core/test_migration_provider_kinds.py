"""Migration 0005 on existing rows (issue 15, point 1): every provider row gets ``kind = name`` and no
stored credentials, its models stay attached, and it keeps being configured by its environment variable."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from sqlmodel import select

from core.config import Settings
from core.credentials import resolve
from core.db import Database
from core.migrate import alembic_config, upgrade
from core.models import ApiModel, ApiProvider


def test_existing_providers_get_their_name_as_kind_and_keep_their_models(db: Database) -> None:
    with db.engine.begin() as conn:  # an install from before: no kind, no credentials columns
        config = alembic_config(db.url)
        config.attributes["connection"] = conn
        command.downgrade(config, "0004")
        columns = {c["name"] for c in sa.inspect(conn).get_columns("api_providers")}
        assert "kind" not in columns and "credentials" not in columns
        conn.execute(sa.text("DELETE FROM api_models"))
        conn.execute(sa.text("DELETE FROM api_providers"))
        for pid, name in (("p-fal", "fal"), ("p-comfy", "comfyui"), ("p-old", "openai_images")):
            conn.execute(sa.text(
                "INSERT INTO api_providers (id, name, display_name, base_url, is_active, config, created_at, "
                "updated_at) VALUES (:id, :name, :name, 'http://old.example', true, '{}', CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP)"), {"id": pid, "name": name})
        conn.execute(sa.text(
            "INSERT INTO api_models (id, provider_id, display_name, model_key, modality, capabilities, is_active, "
            "priority, input_defaults, created_at, updated_at) VALUES ('m1', 'p-fal', 'Flux', 'fal-ai/flux/dev', "
            "'image', '{}', true, 9, '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    upgrade(db)
    with db.read() as session:
        rows = {p.id: p for p in session.exec(select(ApiProvider))}
        model = session.get(ApiModel, "m1")
    assert {pid: (p.kind, p.name, p.credentials) for pid, p in rows.items()} == {
        "p-fal": ("fal", "fal", None), "p-comfy": ("comfyui", "comfyui", None),
        "p-old": ("openai", "openai_images", None)}
    assert model is not None and model.provider_id == "p-fal"
    settings = Settings(secret_key="x", fal_key="from-the-environment")
    assert resolve(settings, rows["p-fal"]).api_key == "from-the-environment"  # the row named after its kind
