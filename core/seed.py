"""First-start data: providers, models, character templates and presets from ``core/seed_data/*.json``.

Runs on every start (``core.bootstrap.prepare_database``) and is idempotent by *memory*, not by
comparison: each row's natural key is written to ``seed_records`` when it is first seeded, and a key
found there is never seeded again. So a second start inserts nothing, a row a person edited is never
overwritten, and a row a person deleted is not put back. A row that already exists under its natural
key without a record (made by hand before the first seed) is adopted: recorded, left untouched.

Natural keys (``seed_records.kind`` / ``key``): ``provider`` / name, ``model`` / ``<provider>:<model_key>``
(a seeded provider an admin renamed is found by its kind, so later seeded models still reach it),
``template`` / slug, ``preset`` / ``<kind>:<key>``.

The JSON files are validated completely before anything is written, so a broken file stops the app
at start-up with every problem listed. Conventions inside them:

- ``models.json`` capabilities: ``supports_i2i``; ``requires_reference`` for edit-only models that
  cannot run text-to-image; ``i2i_image_param`` / ``i2i_strength_param`` name the provider inputs that
  carry the reference image and its strength (they differ per model, see PROTOCOLS.md), with
  ``i2i_image_is_list`` when the input is a list; ``i2i_endpoint`` where I2I is a different endpoint.
  ``background_removal`` marks a background remover (fal birefnet, Replicate's background-remover):
  never routed for portraits, only to cut out expression sprites asked for on a transparent background.
  ``input_defaults`` are the values sent with every request. Higher ``priority`` is preferred; the
  built-in renderer has the lowest, so any configured provider wins over it. A ComfyUI model names
  its workflow with ``input_defaults.workflow_example`` (a file in ``seed_data/comfyui/``); the row
  gets the workflow itself, so an admin can edit it like any other.
- ``presets.json`` maps kind -> ordered items; an item's ``tags`` object
  ``{"appearance": [...], "clothing": [...]}`` is stored in the flat ``Preset.tags`` list with
  ``appearance:`` / ``clothing:`` prefixes (see ``core.presets``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from core.db import Database
from core.errors import ValidationError
from core.generation.providers.comfy_workflow import EXAMPLES, example_workflow
from core.models import (
    MODALITIES,
    PRESET_KINDS,
    PROVIDER_KINDS,
    ApiModel,
    ApiProvider,
    CharacterTemplate,
    Preset,
    SeedRecord,
)
from core.presets import encode_preset_tags
from core.templates import validate_template_data

log = logging.getLogger(__name__)

# Serialises concurrent seeders on PostgreSQL (two processes starting at once); SQLite's
# BEGIN IMMEDIATE already does that.
_PG_LOCK_KEY = 0x5EED_C5A1
_TAG_MAX = 40


class SeedDataError(RuntimeError):
    """A seed file is malformed; the message lists every problem found."""


@dataclass
class SeedReport:
    """How many rows one run inserted, per kind (``adopted``: pre-existing rows newly recorded)."""

    providers: int = 0
    models: int = 0
    templates: int = 0
    presets: int = 0
    adopted: int = 0

    @property
    def total(self) -> int:
        return self.providers + self.models + self.templates + self.presets


@dataclass(frozen=True)
class SeedData:
    """The parsed seed files; presets are flattened with their ``kind`` and ``sort_order`` filled in."""

    providers: list[dict[str, Any]]
    models: list[dict[str, Any]]
    templates: list[dict[str, Any]]
    presets: list[dict[str, Any]]


def load_seed_data(directory: Path | Traversable | None = None) -> SeedData:
    """Read and validate the four seed files from ``directory`` (default: the packaged ``seed_data``)."""
    base: Path | Traversable = directory if directory is not None else resources.files("core") / "seed_data"

    def read(name: str) -> Any:
        try:
            return json.loads((base / name).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise SeedDataError(f"seed file {name}: {exc}") from exc

    raw_presets = read("presets.json")
    if not isinstance(raw_presets, dict):
        raise SeedDataError("presets.json: must be an object mapping kind -> list of presets")
    if not all(isinstance(items, list) for items in raw_presets.values()):
        raise SeedDataError("presets.json: every kind must map to a list of presets")
    presets = [
        {**item, "kind": kind, "sort_order": index} if isinstance(item, dict) else item
        for kind, items in raw_presets.items()
        for index, item in enumerate(items)
    ]
    templates = read("templates.json")
    if isinstance(templates, list):
        templates = [{"sort_order": (i + 1) * 10, **t} if isinstance(t, dict) else t for i, t in enumerate(templates)]
    data = SeedData(read("providers.json"), read("models.json"), templates, presets)
    validate_seed_data(data)
    return data


def validate_seed_data(data: SeedData) -> None:
    """Raise ``SeedDataError`` listing every structural, enum or length problem in ``data``."""
    problems: list[str] = []
    for name, items in (
        ("providers", data.providers),
        ("models", data.models),
        ("templates", data.templates),
        ("presets", data.presets),
    ):
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            problems.append(f"{name}.json: must be a list of objects")
    if problems:
        raise SeedDataError("; ".join(problems))

    provider_names = _unique(problems, "providers", [p.get("name") for p in data.providers])
    for p in data.providers:
        where = f"providers.json {p.get('name')!r}"
        _text(problems, where, p, "name", 40)
        _text(problems, where, p, "display_name", 100)
        if p.get("kind", p.get("name")) not in PROVIDER_KINDS:
            problems.append(f"{where}: kind must be one of {', '.join(PROVIDER_KINDS)}")
        _typed(problems, where, p, "is_active", bool)
        _typed(problems, where, p, "config", dict, required=False)
        if p.get("base_url") is not None and not isinstance(p.get("base_url"), str):
            problems.append(f"{where}: base_url must be text or null")

    _unique(problems, "models", [_model_key(m) for m in data.models])
    for m in data.models:
        where = f"models.json {_model_key(m)!r}"
        _text(problems, where, m, "model_key", 200)
        _text(problems, where, m, "display_name", 200)
        _typed(problems, where, m, "is_active", bool)
        _typed(problems, where, m, "priority", int)
        _typed(problems, where, m, "capabilities", dict, required=False)
        _typed(problems, where, m, "input_defaults", dict, required=False)
        if m.get("provider") not in provider_names:
            problems.append(f"{where}: provider {m.get('provider')!r} is not in providers.json")
        if m.get("modality") not in MODALITIES:
            problems.append(f"{where}: modality must be one of {', '.join(MODALITIES)}")
        if m.get("modality") == "image" and not isinstance(m.get("capabilities", {}).get("supports_i2i"), bool):
            problems.append(f"{where}: image models must state capabilities.supports_i2i (true/false)")
        example = (m.get("input_defaults") or {}).get("workflow_example")
        if example is not None and example not in EXAMPLES:
            problems.append(f"{where}: workflow_example must be one of {', '.join(EXAMPLES)}")
        if len(_model_key(m)) > 100:
            problems.append(f"{where}: provider:model_key is longer than 100 characters")

    _unique(problems, "templates", [t.get("slug") for t in data.templates])
    for t in data.templates:
        where = f"templates.json {t.get('slug')!r}"
        for key, limit in (("slug", 60), ("name", 100), ("icon", 60), ("category", 40), ("description", 200)):
            _text(problems, where, t, key, limit)
        if not isinstance(t.get("template_data"), dict):
            problems.append(f"{where}: template_data must be an object")
            continue
        try:
            validate_template_data(t["template_data"])
        except ValidationError as exc:
            problems.extend(f"{where}: {msg}" for msg in exc.errors.values())

    _unique(problems, "presets", [f"{p.get('kind')}:{p.get('key')}" for p in data.presets])
    for p in data.presets:
        where = f"presets.json {p.get('kind')}:{p.get('key')}"
        if p.get("kind") not in PRESET_KINDS:
            problems.append(f"{where}: kind must be one of {', '.join(PRESET_KINDS)}")
        _text(problems, where, p, "key", 40)
        _text(problems, where, p, "label", 60)
        _text(problems, where, p, "prompt", 500)
        _check_preset_tags(problems, where, p.get("tags", {}))

    if problems:
        raise SeedDataError("invalid seed data: " + "; ".join(problems))


def seed_database(db: Database, data: SeedData | None = None) -> SeedReport:
    """Insert every seed row whose natural key was never seeded before, in one write transaction."""
    if data is None:
        data = load_seed_data()
    else:
        validate_seed_data(data)  # in-memory data (tests, tools) gets the same checks as the files
    report = SeedReport()
    with db.write() as session:
        if not db.is_sqlite:
            session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        seen = {(r.kind, r.key) for r in session.exec(select(SeedRecord)).all()}
        _seed_providers(session, data, seen, report)
        session.flush()  # models reference providers by foreign key
        _seed_models(session, data, seen, report)
        _seed_templates(session, data, seen, report)
        _seed_presets(session, data, seen, report)
    if report.total or report.adopted:
        log.info("seeded %s", report)
    return report


def _seed_providers(session: Session, data: SeedData, seen: set[tuple[str, str]], report: SeedReport) -> None:
    existing = {p.name for p in session.exec(select(ApiProvider)).all()}
    for item in data.providers:
        if ("provider", item["name"]) in seen:
            continue
        if item["name"] in existing:
            report.adopted += 1
        else:
            session.add(
                ApiProvider(
                    kind=item.get("kind", item["name"]),
                    name=item["name"],
                    display_name=item["display_name"],
                    base_url=item.get("base_url"),
                    is_active=item["is_active"],
                    config=dict(item.get("config", {})),
                )
            )
            report.providers += 1
        session.add(SeedRecord(kind="provider", key=item["name"]))


def _seed_models(session: Session, data: SeedData, seen: set[tuple[str, str]], report: SeedReport) -> None:
    provider_ids = _seeded_provider_ids(session, data)
    existing = {(m.provider_id, m.model_key) for m in session.exec(select(ApiModel)).all()}
    for item in data.models:
        key = _model_key(item)
        provider_id = provider_ids.get(item["provider"])
        if ("model", key) in seen:
            continue
        if provider_id is None:
            # The person deleted this provider; its models stay away with it (not recorded, so a
            # provider re-created by hand gets its default models on the next start).
            continue
        if (provider_id, item["model_key"]) in existing:
            report.adopted += 1
        else:
            session.add(
                ApiModel(
                    provider_id=provider_id,
                    display_name=item["display_name"],
                    model_key=item["model_key"],
                    modality=item["modality"],
                    capabilities=dict(item.get("capabilities", {})),
                    is_active=item["is_active"],
                    priority=item["priority"],
                    input_defaults=_input_defaults(item),
                )
            )
            report.models += 1
        session.add(SeedRecord(kind="model", key=key))


def _seeded_provider_ids(session: Session, data: SeedData) -> dict[str, str]:
    """providers.json name -> row id: the row of that name, else (an admin renamed it) the oldest row of
    the same kind, so models added to the seed in a later release still find their provider."""
    rows = sorted(session.exec(select(ApiProvider)).all(), key=lambda p: (p.created_at, p.id))
    ids = {p.name: p.id for p in rows}
    for item in data.providers:
        kind = item.get("kind", item["name"])
        if item["name"] not in ids:
            same_kind = next((p for p in rows if p.kind == kind and p.name not in
                              {i["name"] for i in data.providers}), None)
            if same_kind is not None:
                ids[item["name"]] = same_kind.id
    return ids


def _seed_templates(session: Session, data: SeedData, seen: set[tuple[str, str]], report: SeedReport) -> None:
    existing = {t.slug for t in session.exec(select(CharacterTemplate)).all()}
    for item in data.templates:
        if ("template", item["slug"]) in seen:
            continue
        if item["slug"] in existing:
            report.adopted += 1
        else:
            session.add(
                CharacterTemplate(
                    slug=item["slug"],
                    name=item["name"],
                    icon=item.get("icon", ""),
                    description=item.get("description", ""),
                    category=item.get("category", "general"),
                    template_data=json.loads(json.dumps(item["template_data"])),  # a private deep copy
                    sort_order=item["sort_order"],
                    is_active=item.get("is_active", True),
                )
            )
            report.templates += 1
        session.add(SeedRecord(kind="template", key=item["slug"]))


def _seed_presets(session: Session, data: SeedData, seen: set[tuple[str, str]], report: SeedReport) -> None:
    existing = {(p.kind, p.key) for p in session.exec(select(Preset)).all()}
    for item in data.presets:
        key = f"{item['kind']}:{item['key']}"
        if ("preset", key) in seen:
            continue
        if (item["kind"], item["key"]) in existing:
            report.adopted += 1
        else:
            tags = item.get("tags", {})
            session.add(
                Preset(
                    kind=item["kind"],
                    key=item["key"],
                    label=item["label"],
                    prompt=item["prompt"],
                    tags=encode_preset_tags(tags.get("appearance", []), tags.get("clothing", [])),
                    sort_order=item["sort_order"],
                )
            )
            report.presets += 1
        session.add(SeedRecord(kind="preset", key=key))


def _input_defaults(item: dict[str, Any]) -> dict[str, Any]:
    """The row's defaults, a named example workflow replaced by the workflow itself."""
    defaults = dict(item.get("input_defaults", {}))
    example = defaults.pop("workflow_example", None)
    if example is not None:
        defaults["workflow"] = example_workflow(example)
    return defaults


def _model_key(item: dict[str, Any]) -> str:
    return f"{item.get('provider')}:{item.get('model_key')}"


def _unique(problems: list[str], name: str, keys: list[Any]) -> set[Any]:
    seen: set[Any] = set()
    for key in keys:
        if key in seen:
            problems.append(f"{name}.json: duplicate key {key!r}")
        seen.add(key)
    return seen


def _text(problems: list[str], where: str, item: dict[str, Any], key: str, limit: int) -> None:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: {key} is required text")
    elif len(value) > limit:
        problems.append(f"{where}: {key} is longer than {limit} characters")


def _typed(problems: list[str], where: str, item: dict[str, Any], key: str, kind: type, required: bool = True) -> None:
    if key not in item:
        if required:
            problems.append(f"{where}: {key} is required")
        return
    value = item[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        problems.append(f"{where}: {key} must be {kind.__name__}")


def _check_preset_tags(problems: list[str], where: str, tags: Any) -> None:
    if not isinstance(tags, dict) or set(tags) - {"appearance", "clothing"}:
        problems.append(f"{where}: tags must be an object with 'appearance' and/or 'clothing' lists")
        return
    for group, values in tags.items():
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            problems.append(f"{where}: tags.{group} must be a list of non-empty text")
        elif any(len(v) > _TAG_MAX for v in values):
            problems.append(f"{where}: tags.{group} items must be at most {_TAG_MAX} characters")
