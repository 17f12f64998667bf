"""SQLModel tables: the seed's schema plus what self-hosting needs (users, tokens, jobs, presets).

Lists and JSON documents are plain ``JSON`` columns so SQLite and PostgreSQL behave the same. Ids are
UUID strings generated in Python, so a row's id is known before it is inserted (job paths use it).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# The character's fields are defined in core.character_fields; their value sets stay importable from here.
from core.character_fields import CONTENT_RATINGS, DEFAULTS, GENDERS, MOODS, ROLES, VOICE_TONES

MODALITIES = ("chat", "image", "video")
JOB_STATUSES = ("queued", "processing", "completed", "failed", "cancelled")
PRESET_KINDS = ("pose", "appearance", "expression", "outfit", "camera")
PROVIDER_KINDS = ("fal", "replicate", "openai", "automatic1111", "comfyui", "builtin")


def new_id() -> str:
    """A fresh UUID4 as text; the same representation on every database."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """Aware UTC now; every timestamp column stores UTC."""
    return datetime.now(UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _id() -> Any:
    return Field(default_factory=new_id, sa_column=sa.Column(sa.String(36), primary_key=True))


def _fk(target: str, ondelete: str = "CASCADE", nullable: bool = False) -> Any:
    return Field(
        sa_column=sa.Column(sa.String(36), sa.ForeignKey(target, ondelete=ondelete), nullable=nullable)
    )


def _ts() -> Any:
    return Field(default_factory=utcnow, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


def _ts_null() -> Any:
    return Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))


def _json(default: Any) -> Any:
    factory = (lambda: list(default)) if isinstance(default, list) else (lambda: dict(default))
    return Field(default_factory=factory, sa_column=sa.Column(sa.JSON, nullable=False))


def _text(nullable: bool = True, default: str | None = None) -> Any:
    return Field(default=default, sa_column=sa.Column(sa.Text, nullable=nullable))


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: str = _id()
    email: str = Field(sa_column=sa.Column(sa.String(320), nullable=False, unique=True))
    password_hash: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    display_name: str = Field(default="", sa_column=sa.Column(sa.String(100), nullable=False))
    is_admin: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    # a disabled account's sessions and tokens stop working at once (core.admin.users)
    disabled: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    # set by an admin's password reset: the next sign-in first asks for a new password
    must_change_password: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    last_sign_in_at: datetime | None = _ts_null()
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Invite(SQLModel, table=True):
    """A single-use sign-up link an admin made: the token lives only in the link, its digest here.
    ``email`` is the address the admin named (None: the invitee types one)."""

    __tablename__ = "invites"

    id: str = _id()
    token_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, unique=True))
    email: str | None = Field(default=None, sa_column=sa.Column(sa.String(320), nullable=True))
    is_admin: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    created_by: str | None = Field(default=None, sa_column=sa.Column(
        sa.String(36), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True))
    used_by: str | None = Field(default=None, sa_column=sa.Column(
        sa.String(36), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True))
    created_at: datetime = _ts()
    expires_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    used_at: datetime | None = _ts_null()


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"
    __table_args__ = (sa.Index("idx_api_tokens_user_id", "user_id"),)

    id: str = _id()
    user_id: str = _fk("users.id")
    token_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, unique=True))
    name: str = Field(default="", sa_column=sa.Column(sa.String(100), nullable=False))
    created_at: datetime = _ts()
    last_used_at: datetime | None = _ts_null()


class UserSession(SQLModel, table=True):
    """A signed-in browser: its token lives (as a digest) here, and in the browser's NiceGUI storage.
    Signing out deletes the row, so every tab of that browser stops working at once."""

    __tablename__ = "user_sessions"
    __table_args__ = (sa.Index("idx_user_sessions_user_id", "user_id"),)

    id: str = _id()
    user_id: str = _fk("users.id")
    token_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, unique=True))
    created_at: datetime = _ts()
    last_seen_at: datetime = _ts()


class Character(SQLModel, table=True):
    __tablename__ = "characters"
    __table_args__ = (
        sa.CheckConstraint(_in("gender", GENDERS), name="valid_gender"),
        sa.CheckConstraint(_in("content_rating", CONTENT_RATINGS), name="valid_content_rating"),
        sa.CheckConstraint(_in("voice_tone", VOICE_TONES), name="valid_voice_tone"),
        sa.CheckConstraint(_in("mood", MOODS), name="valid_mood"),
        sa.CheckConstraint(_in("role", ROLES), name="valid_role"),
        sa.Index("idx_characters_user_id", "user_id"),
        sa.Index(
            "idx_characters_is_public",
            "is_public",
            sqlite_where=sa.text("is_public = true"),
            postgresql_where=sa.text("is_public = true"),
        ),
        sa.Index("idx_characters_created_at", "created_at"),
    )

    id: str = _id()
    user_id: str = _fk("users.id")
    name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # required: no stored default
    description: str = Field(default=DEFAULTS["description"], sa_column=sa.Column(sa.Text, nullable=False))
    gender: str = Field(default=DEFAULTS["gender"], sa_column=sa.Column(sa.String(20), nullable=False))
    content_rating: str = Field(default=DEFAULTS["content_rating"], sa_column=sa.Column(sa.String(10), nullable=False))
    is_public: bool = Field(default=DEFAULTS["is_public"], sa_column=sa.Column(sa.Boolean, nullable=False))
    role: str = Field(default=DEFAULTS["role"], sa_column=sa.Column(sa.String(10), nullable=False))
    appearance_details: str | None = _text(default=DEFAULTS["appearance_details"])  # looks, in prose
    traits: str | None = _text(default=DEFAULTS["traits"])  # personality traits
    persona: str | None = _text(default=DEFAULTS["persona"])
    image_url: str | None = _text()
    reference_image_url: str | None = _text()
    reference_image_path: str | None = _text()
    appearance_tags: list[str] = _json(DEFAULTS["appearance_tags"])
    clothing_tags: list[str] = _json(DEFAULTS["clothing_tags"])
    voice_tone: str = Field(default=DEFAULTS["voice_tone"], sa_column=sa.Column(sa.String(20), nullable=False))
    mood: str = Field(default=DEFAULTS["mood"], sa_column=sa.Column(sa.String(20), nullable=False))
    first_message: str | None = _text(default=DEFAULTS["first_message"])
    system_prompt: str | None = _text(default=DEFAULTS["system_prompt"])
    alternate_greetings: list[str] = _json(DEFAULTS["alternate_greetings"])
    forbidden_phrases: list[str] = _json(DEFAULTS["forbidden_phrases"])
    voice_examples: list[str] = _json(DEFAULTS["voice_examples"])
    default_presets: dict[str, Any] = _json(DEFAULTS["default_presets"])
    # What a character card carried that has no column here (creator, lorebook, tags, unknown
    # extensions, ...), kept verbatim so an export gives it back; see core/cards/mapping.py.
    card_data: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False, server_default="{}")
    )
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class CharacterPortrait(SQLModel, table=True):
    __tablename__ = "character_portraits"
    __table_args__ = (
        sa.Index("idx_character_portraits_character_id", "character_id"),
        sa.Index(
            "unique_primary_per_character",
            "character_id",
            unique=True,
            sqlite_where=sa.text("is_primary = true"),
            postgresql_where=sa.text("is_primary = true"),
        ),
        sa.Index("idx_character_portraits_sort_order", "character_id", "sort_order", "created_at"),
    )

    id: str = _id()
    character_id: str = _fk("characters.id")
    image_url: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    thumbnail_url: str | None = _text()
    prompt: str | None = _text()
    enhanced_prompt: str | None = _text()
    generation_metadata: dict[str, Any] = _json({})
    is_primary: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    sort_order: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class CharacterScene(SQLModel, table=True):
    __tablename__ = "character_scenes"
    __table_args__ = (
        sa.Index("idx_character_scenes_character_id", "character_id"),
        sa.Index("idx_character_scenes_priority", "character_id", "priority"),
    )

    id: str = _id()
    character_id: str = _fk("characters.id")
    scene_name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    scene_description: str | None = _text()
    scene_prompt: str | None = _text()
    image_url: str | None = _text()
    scene_type: str = Field(default="custom", sa_column=sa.Column(sa.String(30), nullable=False))
    scene_starters: list[str] = _json([])
    system_prompt: str | None = _text()
    priority: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class CharacterTemplate(SQLModel, table=True):
    __tablename__ = "character_templates"

    id: str = _id()
    slug: str = Field(sa_column=sa.Column(sa.String(60), nullable=False, unique=True))
    name: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    icon: str = Field(default="", sa_column=sa.Column(sa.String(60), nullable=False))
    description: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    category: str = Field(default="general", sa_column=sa.Column(sa.String(40), nullable=False))
    template_data: dict[str, Any] = _json({})
    sort_order: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    is_active: bool = Field(default=True, sa_column=sa.Column(sa.Boolean, nullable=False))
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Preset(SQLModel, table=True):
    """Pose presets and appearance chips: a label the UI shows and the fragment the prompt gets."""

    __tablename__ = "presets"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", PRESET_KINDS), name="valid_preset_kind"),
        sa.UniqueConstraint("kind", "key", name="uq_presets_kind_key"),
    )

    id: str = _id()
    kind: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    key: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))
    label: str = Field(sa_column=sa.Column(sa.String(60), nullable=False))
    prompt: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    tags: list[str] = _json([])
    sort_order: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class ApiProvider(SQLModel, table=True):
    """One configured endpoint: ``kind`` is its protocol (see :data:`PROVIDER_KINDS`), ``name`` the admin's
    label for it, so several of one kind can exist (Ollama and OpenRouter are both ``openai``).
    ``credentials`` is the key encrypted with a key derived from the secret key (core.secret_box); it is
    never read back in full outside the process that calls the provider."""

    __tablename__ = "api_providers"

    id: str = _id()
    kind: str = Field(default="builtin", sa_column=sa.Column(sa.String(20), nullable=False))
    name: str = Field(sa_column=sa.Column(sa.String(40), nullable=False, unique=True))
    display_name: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    base_url: str | None = _text()
    is_active: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    config: dict[str, Any] = _json({})
    credentials: str | None = _text()
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class ApiModel(SQLModel, table=True):
    __tablename__ = "api_models"
    __table_args__ = (
        sa.CheckConstraint(_in("modality", MODALITIES), name="valid_modality"),
        sa.UniqueConstraint("provider_id", "model_key", name="uq_api_models_provider_key"),
        sa.Index("idx_api_models_provider_id", "provider_id"),
        sa.Index("idx_api_models_modality", "modality"),
        sa.Index(
            "idx_api_models_is_active",
            "is_active",
            sqlite_where=sa.text("is_active = true"),
            postgresql_where=sa.text("is_active = true"),
        ),
    )

    id: str = _id()
    provider_id: str = _fk("api_providers.id")
    display_name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    model_key: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    modality: str = Field(sa_column=sa.Column(sa.String(10), nullable=False))
    capabilities: dict[str, Any] = _json({})
    is_active: bool = Field(default=True, sa_column=sa.Column(sa.Boolean, nullable=False))
    priority: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    input_defaults: dict[str, Any] = _json({})
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Job(SQLModel, table=True):
    __tablename__ = "jobs"
    __table_args__ = (
        sa.CheckConstraint(_in("status", JOB_STATUSES), name="valid_job_status"),
        sa.Index("idx_jobs_user_id", "user_id"),
        sa.Index("idx_jobs_status", "status"),
        sa.Index("idx_jobs_character_id", "character_id"),
    )

    id: str = _id()
    user_id: str = _fk("users.id")
    character_id: str | None = _fk("characters.id", ondelete="SET NULL", nullable=True)
    api_model_id: str | None = _fk("api_models.id", ondelete="SET NULL", nullable=True)
    job_type: str = Field(default="character_portrait", sa_column=sa.Column(sa.String(40), nullable=False))
    status: str = Field(default="queued", sa_column=sa.Column(sa.String(20), nullable=False))
    original_prompt: str | None = _text()
    job_metadata: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column("metadata", sa.JSON, nullable=False)
    )
    error_message: str | None = _text()
    created_at: datetime = _ts()
    started_at: datetime | None = _ts_null()
    completed_at: datetime | None = _ts_null()
    updated_at: datetime = _ts()


EXPRESSION_STATUSES = ("pending", "generating", "completed", "failed", "cancelled")
EXPRESSION_BACKGROUNDS = ("transparent", "plain")


class ExpressionSet(SQLModel, table=True):
    """A character's expression sprites: one per character, its labels in order, made from one face.

    ``source_kind`` says which face: ``reference`` (the character's reference image), ``primary`` (the
    primary portrait) or ``import`` (sprites that came in a card). ``job_id`` is the set's latest job."""

    __tablename__ = "expression_sets"
    __table_args__ = (sa.CheckConstraint(_in("background", EXPRESSION_BACKGROUNDS), name="valid_expr_background"),)

    id: str = _id()
    character_id: str = Field(sa_column=sa.Column(sa.String(36), sa.ForeignKey("characters.id", ondelete="CASCADE"),
                                                  nullable=False, unique=True))
    user_id: str = _fk("users.id")
    labels: list[str] = _json([])
    source_kind: str = Field(default="primary", sa_column=sa.Column(sa.String(20), nullable=False))
    source_url: str | None = _text()
    source_portrait_id: str | None = Field(default=None, sa_column=sa.Column(sa.String(36), nullable=True))
    background: str = Field(default="transparent", sa_column=sa.Column(sa.String(20), nullable=False))
    api_model_id: str | None = _fk("api_models.id", ondelete="SET NULL", nullable=True)
    job_id: str | None = _fk("jobs.id", ondelete="SET NULL", nullable=True)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class ExpressionLabel(SQLModel, table=True):
    """One label of a set: its own state (a set's job fills them one by one) and its chosen image."""

    __tablename__ = "expression_labels"
    __table_args__ = (
        sa.CheckConstraint(_in("status", EXPRESSION_STATUSES), name="valid_expression_status"),
        sa.UniqueConstraint("set_id", "label", name="uq_expression_labels_set_label"),
    )

    id: str = _id()
    set_id: str = _fk("expression_sets.id")
    label: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))
    position: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    status: str = Field(default="pending", sa_column=sa.Column(sa.String(20), nullable=False))
    error_message: str | None = _text()
    chosen_image_id: str | None = Field(default=None, sa_column=sa.Column(sa.String(36), nullable=True))
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class ExpressionImage(SQLModel, table=True):
    """One image of a label: generated, uploaded or imported; a label keeps every alternative."""

    __tablename__ = "expression_images"
    __table_args__ = (sa.Index("idx_expression_images_label_id", "label_id", "created_at"),)

    id: str = _id()
    set_id: str = _fk("expression_sets.id")
    label_id: str = _fk("expression_labels.id")
    image_url: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    thumbnail_url: str | None = _text()
    storage_path: str | None = _text()
    background: str = Field(default="plain", sa_column=sa.Column(sa.String(20), nullable=False))
    origin: str = Field(default="generated", sa_column=sa.Column(sa.String(20), nullable=False))
    image_metadata: dict[str, Any] = Field(default_factory=dict,
                                           sa_column=sa.Column("metadata", sa.JSON, nullable=False))
    created_at: datetime = _ts()


class SeedRecord(SQLModel, table=True):
    """Which first-start rows were ever inserted, so a deleted or edited one is never put back."""

    __tablename__ = "seed_records"

    kind: str = Field(sa_column=sa.Column(sa.String(40), primary_key=True))
    key: str = Field(sa_column=sa.Column(sa.String(100), primary_key=True))
    created_at: datetime = _ts()
