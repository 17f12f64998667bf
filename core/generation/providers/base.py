"""What every image provider adapter speaks: one request type, one result type, one error type.

The pipeline (``core.generation.service``) picks a model, builds the prompt, and hands a
:class:`GenerationRequest` to the adapter named by the model's provider. Adapters turn their
protocol's answers into :class:`GeneratedImage` or :class:`ProviderError`, report progress through
the callback, and honour task cancellation (cancelling the remote job where the protocol can).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Stage = Literal["queued", "processing", "finalizing"]


@dataclass(frozen=True)
class GenerationRequest:
    prompt: str
    model_key: str
    negative_prompt: str | None = None
    input_defaults: dict[str, Any] = field(default_factory=dict)
    capabilities: dict[str, Any] = field(default_factory=dict)
    reference_image: bytes | None = None  # the reference's bytes (PNG/JPEG), for I2I
    reference_image_url: str | None = None  # a URL the provider can fetch, when it has one
    seed: int | None = None
    width: int = 1024
    height: int = 1024
    enable_safety_checker: bool = False  # SFW characters ask providers that have one to use it
    tags: tuple[str, ...] = ()  # appearance + clothing tags (the builtin renderer draws them)
    expression: str | None = None  # an expression set's label ("joy"): the builtin renderer draws that face
    transparent: bool = False  # ask for a transparent background where the provider can draw one

    @property
    def is_i2i(self) -> bool:
        return self.reference_image is not None or self.reference_image_url is not None


@dataclass(frozen=True)
class GeneratedImage:
    """One image: bytes when the protocol returns them, else a URL to download (through the gate)."""

    data: bytes | None = None
    url: str | None = None
    content_type: str | None = None
    seed: int | None = None
    request_id: str | None = None
    nsfw_detected: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Progress:
    stage: Stage
    percent: float | None = None  # 0..100 when the protocol says, else None
    message: str | None = None  # a log line or a status text
    queue_position: int | None = None
    eta_s: float | None = None


ProgressCallback = Callable[[Progress], None]


class ProviderError(Exception):
    """Every failure of every protocol, as one type the pipeline can reason about."""

    def __init__(self, message: str, *, retryable: bool = False, code: str | None = None,
                 status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.code = code
        self.status = status
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"ProviderError({self.message!r}, retryable={self.retryable}, code={self.code!r})"


class ImageProvider(Protocol):
    name: str

    async def generate(self, request: GenerationRequest, progress: ProgressCallback) -> GeneratedImage:
        """Produce one image; raise ProviderError on failure; cancel remotely when cancelled."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
