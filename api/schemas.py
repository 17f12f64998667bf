"""Request and response models: what ``/openapi.json`` describes. Rules live in core, not here."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from core.character_fields import CONTENT_RATINGS, EDITABLE_FIELDS, ENUMS, LIST_FIELDS, TAG_FIELDS


class ErrorOut(BaseModel):
    success: Literal[False] = False
    error: str
    code: str
    fields: dict[str, str] | None = None


class TokenRequest(BaseModel):
    email: str
    password: str
    name: str = Field("", description="A name to recognise the token by")


class TokenOut(BaseModel):
    token: str = Field(description="Shown once; send it as 'Authorization: Bearer <token>'")
    token_id: str
    name: str


class MeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    email: str
    display_name: str
    is_admin: bool


def _editable_type(field: str) -> Any:
    """The API type of one editable field, from its kind in :mod:`core.character_fields`."""
    if field in ENUMS:
        return Literal[ENUMS[field]]  # the allowed values, shown as the schema's ``enum``
    if field == "is_public":
        return bool
    if field in TAG_FIELDS or field in LIST_FIELDS:
        return list[str]
    if field == "default_presets":
        return dict[str, str]
    return str  # name, description and the long texts


#: Every editable field (:data:`core.character_fields.EDITABLE_FIELDS`), each optional so PATCH can send
#: only what changed; an unknown field is refused.
CharacterFields = create_model(
    "CharacterFields", __config__=ConfigDict(extra="forbid"),
    __doc__="Editable fields; every one optional so PATCH can send only what changed.",
    **{field: (_editable_type(field) | None, None) for field in EDITABLE_FIELDS},
)


class CharacterCreate(CharacterFields):  # type: ignore[misc,valid-type]  # a model built from the field list
    name: str  # type: ignore[assignment]


class CharacterPatch(CharacterFields):  # type: ignore[misc,valid-type]
    version: int = Field(description="The version you edited; a stale one answers 409 with the current row")


class CharacterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    user_id: str
    name: str
    description: str
    gender: str
    content_rating: str
    is_public: bool
    role: str
    appearance_details: str | None
    traits: str | None
    persona: str | None
    image_url: str | None
    reference_image_url: str | None
    appearance_tags: list[str]
    clothing_tags: list[str]
    voice_tone: str
    mood: str
    first_message: str | None
    system_prompt: str | None
    alternate_greetings: list[str]
    forbidden_phrases: list[str]
    voice_examples: list[str]
    default_presets: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime


class PortraitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    character_id: str
    image_url: str
    thumbnail_url: str | None
    prompt: str | None
    enhanced_prompt: str | None
    generation_metadata: dict[str, Any]
    is_primary: bool
    sort_order: int
    created_at: datetime


class PortraitOrder(BaseModel):
    order: list[str] = Field(description="Portrait ids in their new order")


class SceneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scene_name: str | None = None
    scene_description: str | None = None
    scene_prompt: str | None = None
    image_url: str | None = None
    scene_type: str | None = None
    scene_starters: list[str] | None = None
    system_prompt: str | None = None
    priority: int | None = None


class SceneOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    character_id: str
    scene_name: str
    scene_description: str | None
    scene_prompt: str | None
    image_url: str | None
    scene_type: str
    scene_starters: list[str]
    system_prompt: str | None
    priority: int
    created_at: datetime
    updated_at: datetime


class TemplateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    slug: str
    name: str
    icon: str
    description: str
    category: str
    template_data: dict[str, Any]


class ModelOut(BaseModel):
    id: str
    display_name: str
    model_key: str
    provider: str
    modality: str
    priority: int
    supports_i2i: bool
    capabilities: dict[str, Any]


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    status: str
    job_type: str
    character_id: str | None
    api_model_id: str | None
    original_prompt: str | None
    error_message: str | None
    metadata: dict[str, Any] = Field(validation_alias="job_metadata")
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None


class SuggestIn(BaseModel):
    field: Literal["description", "appearance", "persona", "traits", "first_message", "all"]


class SuggestOut(BaseModel):
    values: dict[str, Any]
    source: str


class PresetsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pose: str | None = None
    expression: str | None = None
    outfit: str | None = None
    camera: str | None = None


class CharacterDataIn(BaseModel):
    name: str
    gender: str = "unspecified"
    appearance_tags: list[str] = Field(default_factory=list)
    clothing_tags: list[str] = Field(default_factory=list)
    description: str = ""


class PortraitFunctionIn(BaseModel):
    """The seed's ``character-portrait`` request, field for field (plus an optional ``seed``)."""

    characterId: str | None = None  # noqa: N815 - the seed's contract
    characterData: CharacterDataIn | None = None  # noqa: N815
    presets: PresetsIn | None = None
    referenceImageUrl: str | None = None  # noqa: N815
    contentRating: Literal[CONTENT_RATINGS] | None = None  # type: ignore[valid-type]  # noqa: N815
    apiModelId: str | None = None  # noqa: N815
    promptOverride: str | None = None  # noqa: N815
    seed: int | None = None


class PortraitFunctionOut(BaseModel):
    success: Literal[True] = True
    imageUrl: str  # noqa: N815
    jobId: str  # noqa: N815
    portraitId: str | None = None  # noqa: N815
    generationTimeMs: int  # noqa: N815
    storagePath: str | None = None  # noqa: N815


# -- admin: providers and models (issue 15) ------------------------------------------------------------

ProviderKind = Literal["fal", "replicate", "openai", "automatic1111", "comfyui", "builtin"]


class ProviderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ProviderKind = Field(description="The protocol: openai covers every OpenAI-compatible server")
    name: str = Field(description="Your name for it, unique (e.g. 'Ollama', 'OpenRouter')", max_length=40)
    base_url: str | None = Field(None, description="Where to reach it; the kind's default when empty")
    api_key: str | None = Field(None, description="Stored encrypted; never returned",
                                json_schema_extra={"writeOnly": True})
    active: bool = True


class ProviderPatch(BaseModel):
    """Only the fields sent change. ``api_key``: omitted or null keeps the stored key, "" removes it."""

    model_config = ConfigDict(extra="forbid")
    kind: ProviderKind | None = None
    name: str | None = Field(None, max_length=40)
    base_url: str | None = None
    api_key: str | None = Field(None, json_schema_extra={"writeOnly": True})
    active: bool | None = None


class ProviderAdminOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    kind: str
    name: str
    display_name: str
    base_url: str | None
    active: bool
    has_credentials: bool
    credential_hint: str = Field(description="The key's last 4 characters; empty when there is none")
    credential_source: Literal["environment", "stored", "none"] = Field(
        description="Where the key in use comes from: an environment variable wins over the stored key")
    base_url_from_env: bool
    model_count: int
    created_at: datetime
    updated_at: datetime


class ProviderCheckOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    ok: bool
    message: str = Field(description="What the server said, or exactly why the call failed")
    code: str = Field(description="ok, bad_key, unreachable, tls, timeout, http_error, bad_response, config")
    details: dict[str, Any]


class DiscoveredModelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    model_key: str
    added: bool = Field(description="A model with this key exists for the provider already")


class AdminModelIn(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())
    provider_id: str
    model_key: str = Field(max_length=200)
    display_name: str | None = Field(None, max_length=200)
    modality: Literal["image", "chat"] = "image"
    priority: int | None = Field(None, description="Higher is preferred; omitted: first among its modality")
    active: bool = True
    supports_i2i: bool | None = None
    requires_reference: bool | None = None
    max_resolution: str | None = Field(None, description="WIDTHxHEIGHT, e.g. 1536x1536")
    capabilities: dict[str, Any] | None = None
    input_defaults: dict[str, Any] | str | None = Field(None, description="A JSON object (or its text)")
    workflow: dict[str, Any] | str | None = Field(
        None, description="ComfyUI only: its 'Export (API)' JSON, or the name of an example")
    workflow_example: Literal["text_to_image", "image_to_image"] | None = None


class AdminModelPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())
    provider_id: str | None = None
    model_key: str | None = Field(None, max_length=200)
    display_name: str | None = Field(None, max_length=200)
    modality: Literal["image", "chat"] | None = None
    priority: int | None = None
    active: bool | None = None
    supports_i2i: bool | None = None
    requires_reference: bool | None = None
    max_resolution: str | None = None
    capabilities: dict[str, Any] | None = None
    input_defaults: dict[str, Any] | str | None = None
    workflow: dict[str, Any] | str | None = None
    workflow_example: Literal["text_to_image", "image_to_image"] | None = None


class AdminModelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, protected_namespaces=())
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
    input_defaults: dict[str, Any]
    workflow: dict[str, Any] | None
    placeholders: list[str]
    created_at: datetime
    updated_at: datetime


class ModelOrderIn(BaseModel):
    order: list[str] = Field(description="Model ids, preferred first (as dragged in the admin page)")
