"""AI suggest for character fields: an OpenAI-compatible chat model, or the offline suggester.

``suggest(character, field, chat=...)`` is the entry point; see :mod:`core.suggest.service`.
"""

from core.suggest.chat_client import ChatClient, ChatConfig, SuggestError
from core.suggest.offline import SUGGEST_FIELDS, offline_values
from core.suggest.service import ALL_FIELDS, SuggestResult, suggest
from core.vocabulary import categorize_tag, categorize_tags

__all__ = [
    "ALL_FIELDS", "SUGGEST_FIELDS", "ChatClient", "ChatConfig", "SuggestError", "SuggestResult",
    "categorize_tag", "categorize_tags", "offline_values", "suggest",
]
