"""The character's fields are defined once (core/character_fields.py); the table, the rules, the API
schemas and the studio form's state are built from that definition and agree with it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from api.schemas import CharacterCreate, CharacterFields, CharacterPatch, PortraitFunctionIn
from core import character_fields as fields
from core.character_rules import LIST_LIMITS, validate_changes
from core.models import Character
from ui.state import DEFAULTS as FORM_DEFAULTS


def _enum(schema: dict[str, Any]) -> list[str]:
    """The ``enum`` of an optional Literal property (``anyOf: [{enum}, {type: null}]``)."""
    return next(option["enum"] for option in schema["anyOf"] if "enum" in option)


def test_every_editable_field_has_a_kind_and_a_default() -> None:
    kinds = ({"name", "description", "is_public", "default_presets"}, set(fields.ENUMS), set(fields.TEXT_FIELDS),
             set(fields.TAG_FIELDS), set(fields.LIST_FIELDS))
    assert sum(len(kind) for kind in kinds) == len(fields.EDITABLE_FIELDS) == len(set(fields.EDITABLE_FIELDS))
    assert set().union(*kinds) == set(fields.EDITABLE_FIELDS) == set(fields.DEFAULTS)
    for name, values in fields.ENUMS.items():
        assert fields.DEFAULTS[name] in values


def test_the_table_takes_its_defaults_and_checks_from_the_fields() -> None:
    for name in fields.EDITABLE_FIELDS:
        column_default = Character.model_fields[name].get_default(call_default_factory=True)
        if name == "name":
            assert Character.model_fields[name].is_required()  # never saved without a name
        else:
            assert column_default == fields.DEFAULTS[name], name
    checks = {c.name: str(c.sqltext) for c in Character.__table__.constraints if isinstance(c, sa.CheckConstraint)}
    for name, values in fields.ENUMS.items():
        assert checks[f"valid_{name}"] == f"{name} IN ({', '.join(repr(v) for v in values)})"


def test_the_rules_cover_every_field_and_value() -> None:
    assert set(LIST_LIMITS) == set(fields.LIST_FIELDS)
    for name, values in fields.ENUMS.items():
        assert all(validate_changes({name: value}) == {name: value} for value in values)


def test_the_api_schemas_are_built_from_the_fields() -> None:
    assert tuple(CharacterFields.model_fields) == fields.EDITABLE_FIELDS
    assert set(CharacterPatch.model_fields) == {*fields.EDITABLE_FIELDS, "version"}
    assert CharacterCreate.model_fields["name"].is_required()
    properties = CharacterFields.model_json_schema()["properties"]
    for name, values in fields.ENUMS.items():
        assert _enum(properties[name]) == list(values)
    assert _enum(PortraitFunctionIn.model_json_schema()["properties"]["contentRating"]) == list(
        fields.CONTENT_RATINGS)


def test_the_studio_form_starts_from_the_defaults_with_text_never_none() -> None:
    assert set(FORM_DEFAULTS) == set(fields.EDITABLE_FIELDS)
    for name in fields.EDITABLE_FIELDS:
        if name in fields.TEXT_FIELDS:
            assert (fields.DEFAULTS[name], FORM_DEFAULTS[name]) == (None, "")
        else:
            assert FORM_DEFAULTS[name] == fields.DEFAULTS[name], name
