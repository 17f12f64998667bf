"""When a suggested tag only says again what a tag already says, and how suggested tags join a list.

A suggestion is a proposal the person accepts; accepting tags adds them to what is there, so a tag
that repeats one of the character's own in other words ("chestnut hair" beside "messy chestnut
hair", a second eye colour, a second dress) is left out rather than piled on. Shared by the offline
suggester (which never proposes such a tag) and the studio (which merges a model's tags on Accept).
"""

from __future__ import annotations

from collections.abc import Iterable

from core.character_rules import TAG_MAX_COUNT, TAG_MAX_LEN
from core.vocabulary import TOKEN, categorize_tag

# features a person has once: a second colour of any of these contradicts the first
_SINGLE_FEATURES = frozenset({"hair", "eyes", "eye", "skin", "build", "figure", "frame", "complexion", "lips", "lip"})
_COMPOUND_MIN = 5  # "sundress" is a kind of "dress"; shorter heads ("lace" in "necklace") are not


def near_duplicate(tag: str, existing: Iterable[str]) -> bool:
    """True when ``tag`` says again what one of ``existing`` says: the same words, one's words inside
    the other's ("chestnut hair" beside "messy chestnut hair"), the same head noun of a feature that
    is had once ("green eyes" beside "hazel eyes"), or a second garment of one kind ("red sundress"
    beside "red dress", "leather jacket" beside "denim jacket")."""
    words = _words(tag)
    if not words:
        return True
    head = _head(tag)
    for other in existing:
        theirs = _words(other)
        if words <= theirs or theirs <= words:
            return True
        if head in _SINGLE_FEATURES and head == _head(other):
            return True
        if _same_garment(tag, other):
            return True
    return False


def tags_to_add(current: Iterable[str], proposed: Iterable[str], *, elsewhere: Iterable[str] = ()) -> list[str]:
    """The proposed tags that say something new: none near-duplicating ``current``, the character's
    other tag list (``elsewhere``: a tag filed in the other list is still the character's) or an
    earlier proposed tag; only as many as fit under the tag limit."""
    kept = [t for t in current if isinstance(t, str)]
    seen = [*kept, *(t for t in elsewhere if isinstance(t, str))]
    added: list[str] = []
    for raw in proposed:
        tag = " ".join(str(raw).split())
        if not tag or len(tag) > TAG_MAX_LEN or len(kept) + len(added) >= TAG_MAX_COUNT:
            continue
        if not near_duplicate(tag, [*seen, *added]):
            added.append(tag)
    return added


def merge_tags(current: Iterable[str], proposed: Iterable[str], *, elsewhere: Iterable[str] = ()) -> list[str]:
    """``current`` followed by the proposed tags that say something new (what Accept writes)."""
    kept = list(current)
    return [*kept, *tags_to_add(kept, proposed, elsewhere=elsewhere)]


def _same_garment(tag: str, other: str) -> bool:
    if categorize_tag(tag) != "clothing" or categorize_tag(other) != "clothing":
        return False
    mine, theirs = _head(tag), _head(other)
    short, long_ = sorted((mine, theirs), key=len)
    return mine == theirs or (len(short) >= _COMPOUND_MIN and long_.endswith(short))


def _words(tag: str) -> frozenset[str]:
    return frozenset(TOKEN.findall(tag.lower()))


def _head(tag: str) -> str:
    found = TOKEN.findall(tag.lower())
    word = found[-1] if found else ""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
