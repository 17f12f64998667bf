"""Character templates: the seeded set is valid, listing/getting respects activity, applying fills fields."""

from __future__ import annotations

import pytest
from sqlmodel import select

from core.db import Database
from core.errors import NotFound, ValidationError
from core.models import CONTENT_RATINGS, GENDERS, MOODS, VOICE_TONES, CharacterTemplate, User
from core.seed import load_seed_data, seed_database
from core.templates import (
    TEMPLATE_FIELDS,
    apply_template,
    get_template,
    list_templates,
    template_fields,
    validate_template_data,
)

REQUIRED_FIELDS = (
    "description",
    "gender",
    "content_rating",
    "traits",
    "persona",
    "appearance_tags",
    "clothing_tags",
    "voice_tone",
    "mood",
    "first_message",
    "system_prompt",
    "alternate_greetings",
)


@pytest.fixture
def actor(db: Database) -> User:
    with db.write() as session:
        user = User(email="maker@example.com", password_hash="x")
        session.add(user)
    return user


@pytest.fixture
def seeded(db: Database) -> Database:
    seed_database(db)
    return db


def test_every_seeded_template_is_complete_and_within_the_enums() -> None:
    templates = load_seed_data().templates
    assert len(templates) >= 10
    for t in templates:
        data = t["template_data"]
        assert t["name"] and t["icon"] and t["description"] and t["category"], t["slug"]
        assert set(REQUIRED_FIELDS) <= set(data), t["slug"]
        assert data["gender"] in GENDERS
        assert data["content_rating"] in CONTENT_RATINGS
        assert data["voice_tone"] in VOICE_TONES
        assert data["mood"] in MOODS
        assert 50 <= len(data["description"]) <= 500
        assert 1 <= len(data["appearance_tags"]) <= 8
        assert all(len(tag) <= 40 for tag in data["appearance_tags"] + data["clothing_tags"])
        assert 1 <= len(data["clothing_tags"]) <= 4
        assert 1 <= len(data["alternate_greetings"]) <= 2
        assert all(data[f].strip() for f in ("traits", "persona", "first_message", "system_prompt"))
        validate_template_data(data)
    assert len({t["slug"] for t in templates}) == len(templates)
    # The set is varied, not ten copies of one archetype.
    assert len({t["template_data"]["gender"] for t in templates}) >= 3
    assert len({t["template_data"]["mood"] for t in templates}) >= 3


def test_validate_template_data_names_each_bad_field() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_template_data(
            {
                "gender": "robot",
                "mood": "sleepy",
                "appearance_tags": ["x" * 41],
                "clothing_tags": ["coat", "Coat"],
                "name": "Not a template field",
            }
        )
    errors = caught.value.errors
    assert set(errors) == {"gender", "mood", "appearance_tags", "clothing_tags", "name"}
    assert "41" in errors["appearance_tags"] and "duplicates" in errors["clothing_tags"]


def test_list_templates_returns_active_ones_in_sort_order(seeded: Database, actor: User) -> None:
    with seeded.write() as session:
        idol = session.exec(select(CharacterTemplate).where(CharacterTemplate.slug == "anime-idol")).one()
        idol.is_active = False
        session.add(idol)

    templates = list_templates(seeded, actor)

    assert len(templates) == len(load_seed_data().templates) - 1
    assert "anime-idol" not in [t.slug for t in templates]
    assert templates[0].slug == "fantasy-adventurer"
    assert [t.sort_order for t in templates] == sorted(t.sort_order for t in templates)


def test_get_template_by_id_or_slug_and_not_found(seeded: Database, actor: User) -> None:
    by_slug = get_template(seeded, actor, "cozy-barista")
    assert by_slug.name == "Cozy Barista"
    assert get_template(seeded, actor, by_slug.id).slug == "cozy-barista"
    with pytest.raises(NotFound):
        get_template(seeded, actor, "no-such-template")
    with seeded.write() as session:
        row = session.get(CharacterTemplate, by_slug.id)
        assert row is not None
        row.is_active = False
        session.add(row)
    with pytest.raises(NotFound):
        get_template(seeded, actor, "cozy-barista")


def test_template_fields_are_known_fields_and_private_copies(seeded: Database, actor: User) -> None:
    template = get_template(seeded, actor, "knight-protector")
    template.template_data["unknown_key"] = "ignored"

    fields = template_fields(template)

    assert set(fields) <= set(TEMPLATE_FIELDS)
    assert "unknown_key" not in fields and "name" not in fields
    fields["appearance_tags"].append("changed")
    assert "changed" not in template.template_data["appearance_tags"]


def test_apply_template_overwrites_what_it_sets_and_keeps_the_rest(seeded: Database, actor: User) -> None:
    template = get_template(seeded, actor, "cyberpunk-hacker")
    current = {
        "name": "Nyx",
        "description": "An old description that the template replaces entirely, as the selector does.",
        "mood": "submissive",
        "appearance_tags": ["old tag"],
        "is_public": True,
        "version": 3,
    }
    snapshot = dict(current)

    result = apply_template(current, template)

    assert current == snapshot  # pure: the input is untouched
    data = template.template_data
    for field in REQUIRED_FIELDS:
        assert result[field] == data[field], field
    assert (result["name"], result["is_public"], result["version"]) == ("Nyx", True, 3)
    assert result["appearance_tags"] is not data["appearance_tags"]


def test_apply_template_to_an_empty_character_fills_a_valid_character(seeded: Database, actor: User) -> None:
    for template in list_templates(seeded, actor):
        result = apply_template({"name": "New"}, template)
        assert result["gender"] in GENDERS and result["mood"] in MOODS
        assert result["voice_tone"] in VOICE_TONES and result["content_rating"] in CONTENT_RATINGS
        assert 50 <= len(result["description"]) <= 500
