"""AI suggest for a character: pick the chat model, ask it (or the offline suggester), check ownership.

The chat model is an ``api_models`` row of modality ``chat``: the one named, or the highest-priority
active one. The built-in row means the offline suggester; an OpenAI-compatible row uses the
provider's base URL and key from core.credentials (the environment's or the stored one). The reads run
in a worker thread: the caller is an event loop every open tab shares.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from sqlmodel import col, select

from core.auth import readable_character
from core.character_rules import EDITABLE_FIELDS
from core.context import Context
from core.credentials import credentials
from core.errors import ValidationError
from core.models import ApiModel, ApiProvider, User
from core.suggest.chat_client import ChatConfig
from core.suggest.service import ALL_FIELDS, SuggestResult, suggest


async def suggest_for_character(ctx: Context, actor: User, field: str, *, character_id: str | None = None,
                                values: Mapping[str, Any] | None = None, chat_model_id: str | None = None,
                                variant: int = 0) -> SuggestResult:
    """Suggestions for ``field``; the character's stored fields, overlaid with unsaved ``values``;
    ``variant`` > 0 for another suggestion than the first ("Try again")."""
    if field not in ALL_FIELDS:
        raise ValidationError({"field": f"Field must be one of: {', '.join(ALL_FIELDS)}"})
    character, chat = await asyncio.to_thread(_read, ctx, actor, character_id, chat_model_id)
    character.update(values or {})
    return await suggest(character, field, chat=chat, fallback_offline=True, variant=variant)


def _read(ctx: Context, actor: User, character_id: str | None,
          chat_model_id: str | None) -> tuple[dict[str, Any], ChatConfig | None]:
    """Blocking: the stored fields (when an id is given) and the endpoint to ask."""
    character: dict[str, Any] = {}
    if character_id:
        with ctx.db.read() as session:
            row = readable_character(session, actor, character_id)
            character = {f: getattr(row, f) for f in EDITABLE_FIELDS}
    return character, chat_config(ctx, chat_model_id)


def chat_models(ctx: Context) -> list[tuple[ApiModel, ApiProvider]]:
    """Active chat models, best first (for the Advanced section's selector)."""
    with ctx.db.read() as session:
        rows = session.exec(select(ApiModel, ApiProvider).join(ApiProvider)
                            .where(ApiModel.modality == "chat", col(ApiModel.is_active), col(ApiProvider.is_active))
                            .order_by(col(ApiModel.priority).desc(), col(ApiModel.display_name)))
        return list(rows)


def chat_config(ctx: Context, chat_model_id: str | None) -> ChatConfig | None:
    """The endpoint to ask, or None for the offline suggester."""
    models = chat_models(ctx)
    chosen = next((m for m in models if m[0].id == chat_model_id), None) if chat_model_id else None
    if chat_model_id and chosen is None:
        raise ValidationError({"chat_model_id": "Chat model not found or inactive"})
    chosen = chosen or (models[0] if models else None)
    if chosen is None or chosen[1].kind == "builtin":
        return None
    key, base = credentials(ctx.settings, chosen[1])
    if not base:
        return None
    return ChatConfig(base_url=base, api_key=key or None, model=chosen[0].model_key,
                      timeout_s=min(60.0, ctx.settings.provider_timeout_s))
