"""Request and response models of the expression-set routes (issue 16): what ``/openapi.json`` shows.

The request and the 202 use the issue's camelCase (``apiModelId``, ``jobId``, ``imageId``), as the
portrait function does; a label's response keeps the snake_case of the rest of the character API
(``image_url``, ``thumbnail_url``). The rules (labels, presets, backgrounds) live in core.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from core.expressions.views import ImageView, LabelView, SetView


class ExpressionSetIn(BaseModel):
    """A preset or a list of labels (not both); the face is the reference image, else the primary portrait."""

    model_config = ConfigDict(extra="forbid")
    preset: Literal["essential", "sillytavern"] | None = Field(
        None, description="essential: 10 labels; sillytavern: SillyTavern's 28")
    labels: list[str] | None = Field(None, description="Custom labels: lowercase letters, digits, '-' and '_', "
                                                       "at most 40 characters each")
    apiModelId: str | None = Field(None, description="The image model; the routing default when empty")  # noqa: N815
    background: Literal["transparent", "plain"] = "transparent"


class ChooseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    imageId: str = Field(description="One of the label's images")  # noqa: N815


class SetStartedOut(BaseModel):
    """The set's job (progress n of N, cancel with ``POST /api/v1/jobs/{jobId}/cancel``) and its labels."""

    jobId: str  # noqa: N815
    labels: list[str]


class ExpressionImageOut(BaseModel):
    id: str
    image_url: str
    thumbnail_url: str | None
    background: Literal["transparent", "plain"]
    origin: Literal["generated", "upload", "import"]


class ExpressionOut(BaseModel):
    """One label: its state and chosen image (the sprite ``<label>.png``), then the other images, newest first."""

    label: str
    status: Literal["pending", "generating", "completed", "failed", "cancelled"]
    image_id: str | None = Field(description="The chosen image's id; null until the label has one")
    image_url: str | None
    thumbnail_url: str | None
    background: Literal["transparent", "plain"] | None = Field(description="The chosen image's background")
    origin: Literal["generated", "upload", "import"] | None = Field(description="Where the chosen image came from")
    error: str | None = Field(description="Why the label's last generation failed")
    alternatives: list[ExpressionImageOut]


class ExpressionSourceOut(BaseModel):
    """Which face the set was made from, and what a regeneration reuses."""

    source_kind: str = Field(description="reference, primary (the primary portrait), import or upload")
    source_url: str | None
    background: Literal["transparent", "plain"]
    api_model_id: str | None
    job_id: str | None = Field(description="The set's latest job")
    labels: list[str]


def image_out(image: ImageView) -> ExpressionImageOut:
    return ExpressionImageOut(id=image.id, image_url=image.image_url, thumbnail_url=image.thumbnail_url,
                              background=image.background, origin=image.origin)  # type: ignore[arg-type]


def expression_out(label: LabelView) -> ExpressionOut:
    chosen = label.chosen
    return ExpressionOut(label=label.label, status=label.status,  # type: ignore[arg-type]
                         image_id=chosen.id if chosen else None, image_url=chosen.image_url if chosen else None,
                         thumbnail_url=chosen.thumbnail_url if chosen else None,
                         background=chosen.background if chosen else None,  # type: ignore[arg-type]
                         origin=chosen.origin if chosen else None,  # type: ignore[arg-type]
                         error=label.error, alternatives=[image_out(image) for image in label.alternatives])


def source_out(view: SetView) -> ExpressionSourceOut:
    return ExpressionSourceOut(source_kind=view.source_kind, source_url=view.source_url,
                               background=view.background, api_model_id=view.api_model_id,  # type: ignore[arg-type]
                               job_id=view.job_id, labels=[label.label for label in view.labels])
