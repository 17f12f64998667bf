"""A provider's key and base URL, from the settings (keys never live in the database).

Image generation and the suggester both call providers; they read credentials from here, so neither
package imports the other.
"""

from __future__ import annotations

from core.config import Settings
from core.models import ApiProvider


def credentials(settings: Settings, provider: ApiProvider) -> tuple[str, str | None]:
    """(api key, base URL) for a provider row: a URL set in the environment wins over the row's."""
    key = {"fal": settings.fal_key, "replicate": settings.replicate_api_token,
           "openai": settings.openai_api_key}.get(provider.name, "")
    configured = {"openai": settings.openai_base_url if "openai_base_url" in settings.model_fields_set else "",
                  "automatic1111": settings.a1111_url, "comfyui": settings.comfyui_url}.get(provider.name, "")
    return key, configured or provider.base_url or None


def is_configured(settings: Settings, provider: ApiProvider) -> bool:
    """Whether the settings carry what this provider needs to be switched on."""
    key, base = credentials(settings, provider)
    if provider.name == "builtin":
        return True
    local = {"automatic1111": settings.a1111_url, "comfyui": settings.comfyui_url}  # no key: their URL
    if provider.name in local:
        return bool(local[provider.name])
    return bool(key)
