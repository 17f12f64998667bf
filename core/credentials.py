"""A provider's key and base URL: the one place that decides between the environment and the database.

The rule (README, "Providers and models"): **an environment variable wins over what is stored**, for
the rows it belongs to. A variable belongs to the row whose ``config`` names it (the seeded rows carry
``api_key_env`` / ``base_url_env``), or, for rows from before those names existed, to the row named
after its kind (the one-per-protocol rows). So ``FAL_KEY`` keeps configuring the seeded fal row as it
always did, while a second fal row, or an Ollama and an OpenRouter row of kind ``openai``, use only
what the admin stored for them. A deployment that pins a key in its environment cannot be overridden
from the browser; the admin page says where each key comes from (``credential_source``).

Stored keys are sealed with :mod:`core.secret_box`; this module is the only reader that opens them,
for the adapters and the suggester. Image generation and the suggester both call it, so neither
package imports the other.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from core.config import Settings
from core.models import ApiProvider
from core.secret_box import SecretBoxError, hint, open_sealed, seal

log = logging.getLogger(__name__)

# Environment variable -> the Settings field that reads it.
ENV_KEYS = {"FAL_KEY": "fal_key", "REPLICATE_API_TOKEN": "replicate_api_token", "OPENAI_API_KEY": "openai_api_key"}
ENV_URLS = {"OPENAI_BASE_URL": "openai_base_url", "A1111_URL": "a1111_url", "COMFYUI_URL": "comfyui_url"}
# The variables of the legacy one-per-protocol row of each kind (a row named after its kind).
KIND_KEY_ENV = {"fal": "FAL_KEY", "replicate": "REPLICATE_API_TOKEN", "openai": "OPENAI_API_KEY"}
KIND_URL_ENV = {"openai": "OPENAI_BASE_URL", "automatic1111": "A1111_URL", "comfyui": "COMFYUI_URL"}
LOCAL_KINDS = ("automatic1111", "comfyui")  # no key needed: a URL configures them

Source = Literal["environment", "stored", "none"]


@dataclass(frozen=True)
class Resolved:
    """What a provider row is called with, and where its key came from (never shown: ``api_key``)."""

    api_key: str
    base_url: str | None
    key_source: Source
    url_from_env: bool
    problem: str | None = None  # a stored key that does not open with this secret key

    @property
    def key_hint(self) -> str:
        return hint(self.api_key) if self.api_key else ""

    def __repr__(self) -> str:  # never the key: this ends up in logs and tracebacks
        return f"Resolved(base_url={self.base_url!r}, key_source={self.key_source!r})"


def key_env(provider: ApiProvider) -> str | None:
    """The environment variable that carries this row's key, if one belongs to it."""
    named = (provider.config or {}).get("api_key_env")
    if named in ENV_KEYS:
        return str(named)
    return KIND_KEY_ENV.get(provider.kind) if provider.name == provider.kind else None


def url_env(provider: ApiProvider) -> str | None:
    """The environment variable that carries this row's base URL, if one belongs to it."""
    named = (provider.config or {}).get("base_url_env")
    if named in ENV_URLS:
        return str(named)
    return KIND_URL_ENV.get(provider.kind) if provider.name == provider.kind else None


def _env_value(settings: Settings, variable: str | None) -> str:
    if variable in ENV_KEYS:
        return str(getattr(settings, ENV_KEYS[variable]) or "")
    if variable in ENV_URLS:
        field = ENV_URLS[variable]
        if field == "openai_base_url" and field not in settings.model_fields_set:
            return ""  # the field's default is not a variable someone set
        return str(getattr(settings, field) or "")
    return ""


def resolve(settings: Settings, provider: ApiProvider) -> Resolved:
    """The key and base URL to call ``provider`` with: the environment's, else the row's."""
    env_url = _env_value(settings, url_env(provider))
    env_key = _env_value(settings, key_env(provider))
    base = env_url or provider.base_url or None
    if env_key:
        return Resolved(env_key, base, "environment", bool(env_url))
    if provider.credentials:
        try:
            return Resolved(open_sealed(settings.resolved_secret_key(), provider.credentials), base, "stored",
                            bool(env_url))
        except SecretBoxError as exc:
            log.warning("provider %s: its stored key does not open: %s", provider.name, exc)
            return Resolved("", base, "none", bool(env_url), problem=str(exc))
    return Resolved("", base, "none", bool(env_url))


def credentials(settings: Settings, provider: ApiProvider) -> tuple[str, str | None]:
    """(api key, base URL) for a provider row (see :func:`resolve` for which wins)."""
    resolved = resolve(settings, provider)
    return resolved.api_key, resolved.base_url


def seal_key(settings: Settings, api_key: str) -> str:
    """``api_key`` as it is stored in ``api_providers.credentials``."""
    return seal(settings.resolved_secret_key(), api_key)


def is_configured(settings: Settings, provider: ApiProvider) -> bool:
    """Whether the environment carries what this row needs to be switched on (first-start activation)."""
    if provider.kind == "builtin":
        return True
    if provider.kind in LOCAL_KINDS:
        return bool(_env_value(settings, url_env(provider)))
    return bool(_env_value(settings, key_env(provider)))
