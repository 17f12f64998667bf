"""Suggestions with no model at all: built from the character's own fields and a shipped vocabulary.

A fresh install has no chat model, and the studio's "suggest" buttons should still do something
useful there. The offline suggester keeps what the person already wrote (tags, traits), fills the
gaps from ``vocabulary.json`` in keeping with the character's gender, mood and voice tone, and is
deterministic: the same character gives the same suggestion (a hash of its fields seeds the choices),
so a suggestion never flickers between renders. Results are labelled ``source="offline"`` by the
service so the UI never passes them off as a model's work.

It also holds the keyword categorization of tags into physical appearance vs clothing (the seed's
"AI suggestions automatically categorize using keyword detection"), which the model path and the
offline renderer reuse.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable, Mapping
from typing import Any

from core.character_rules import DESCRIPTION_MAX_FORM, TAG_MAX_COUNT, TAG_MAX_LEN, clean_tags
from core.models import MOODS, VOICE_TONES
from core.suggest.tags import near_duplicate
from core.vocabulary import TOKEN, categorize_tag, categorize_tags, vocabulary

SUGGEST_FIELDS = ("description", "appearance", "persona", "traits", "first_message")
FIELD_KEYS: dict[str, tuple[str, ...]] = {  # suggestion field -> the character fields it fills
    "description": ("description",),
    "appearance": ("appearance_tags", "clothing_tags"),
    "persona": ("persona",),
    "traits": ("traits",),
    "first_message": ("first_message",),
}
APPEARANCE_SUGGEST_MAX, CLOTHING_SUGGEST_MAX = 8, 4  # what the prompt builder uses; more would be ignored
_PRONOUNS: dict[str, dict[str, str]] = {
    "female": {"subj": "she", "obj": "her", "poss": "her", "is": "is", "has": "has", "s": "s", "es": "es",
               "noun": "woman"},
    "male": {"subj": "he", "obj": "him", "poss": "his", "is": "is", "has": "has", "s": "s", "es": "es",
             "noun": "man"},
    "other": {"subj": "they", "obj": "them", "poss": "their", "is": "are", "has": "have", "s": "", "es": "",
              "noun": "person"},
}


def regroup_tags(appearance: Iterable[str], clothing: Iterable[str], *,
                 limits: tuple[int, int] = (TAG_MAX_COUNT, TAG_MAX_COUNT)) -> tuple[list[str], list[str]]:
    """Tags from both lists, each moved only when a keyword says it is in the wrong one.

    Blank, over-long and repeated tags are dropped and each list is capped at ``limits``, so the
    result always passes ``clean_tags`` (whose job is to refuse such input from a person, not a model).
    """
    phys_a, cloth_a = categorize_tags(appearance, default="physical")
    phys_c, cloth_c = categorize_tags(clothing, default="clothing")
    return _dedupe(phys_a + phys_c)[: limits[0]], _dedupe(cloth_a + cloth_c)[: limits[1]]


def _dedupe(tags: Iterable[str]) -> list[str]:
    result: list[str] = []
    seen: set[str] = set()
    for raw in tags:
        tag = " ".join(raw.split())
        if tag and len(tag) <= TAG_MAX_LEN and tag.casefold() not in seen:
            seen.add(tag.casefold())
            result.append(tag)
    return clean_tags(result)


class _Character:
    """The fields the suggester reads, normalised once (missing or invalid values get neutral defaults)."""

    def __init__(self, data: Mapping[str, Any], variant: int = 0) -> None:
        self.variant = variant
        self.name = str(data.get("name") or "").strip()
        gender = data.get("gender")
        self.gender = gender if gender in ("female", "male") else "other"
        self.description = str(data.get("description") or "").strip()
        self.mood = data.get("mood") if data.get("mood") in MOODS else "friendly"
        self.voice_tone = data.get("voice_tone") if data.get("voice_tone") in VOICE_TONES else "warm"
        self.traits = str(data.get("traits") or "").strip()
        self.appearance = _usable_tags(data.get("appearance_tags"))
        self.clothing = _usable_tags(data.get("clothing_tags"))
        self.words = {**_PRONOUNS[self.gender]}
        self.words["name"] = self.name or _cap(self.words["subj"])  # never "This character"
        # how a sentence about the character starts: "Mira is", or for a nameless one "She is" / "They are"
        self.words["lead"] = f"{self.name} is" if self.name else f"{_cap(self.words['subj'])} {self.words['is']}"

    def fingerprint(self) -> str:
        return json.dumps([self.name, self.gender, self.description, self.mood, self.voice_tone, self.traits,
                           self.appearance, self.clothing], ensure_ascii=False)

    def rng(self, field: str) -> random.Random:
        """Choices seeded by the field and the character, so equal input gives an equal suggestion."""
        salt = f"{field}\x00{self.variant}" if self.variant else field  # variant 0: the first suggestion
        digest = hashlib.sha256(f"{salt}\x00{self.fingerprint()}".encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    def fill(self, template: str) -> str:
        return template.format(**self.words)


def _usable_tags(value: Any) -> list[str]:
    """Tags as stored; an unsaved character's malformed ones are skipped rather than failing the suggestion."""
    if not isinstance(value, list | tuple):
        return []
    return [t for t in value if isinstance(t, str) and 0 < len(t.strip()) <= TAG_MAX_LEN][:TAG_MAX_COUNT]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def fit_text(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a sentence end so a suggestion never stops mid-word."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = cut.rfind(". ")
    return cut[: end + 1] if end > 0 else cut[: cut.rfind(" ")].rstrip(",;") + "."


def offline_values(character: Mapping[str, Any], field: str, *, variant: int = 0) -> dict[str, Any]:
    """Suggested values for one field (or "all"), keyed by the character fields they fill.

    ``variant`` picks another deterministic suggestion for the same character ("Try again"); 0 is
    the first one.
    """
    if field == "all":
        values: dict[str, Any] = {}
        for name in SUGGEST_FIELDS:
            values.update(offline_values(character, name, variant=variant))
        return values
    builder = _BUILDERS.get(field)
    if builder is None:
        raise ValueError(f"Unknown suggestion field '{field}' (expected one of: {', '.join((*SUGGEST_FIELDS, 'all'))})")
    return builder(_Character(character, variant))


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _has(tags: list[str], *words: str) -> bool:
    return any(word in TOKEN.findall(tag.lower()) for tag in tags for word in words)


def _from_description(c: _Character) -> list[str]:
    """Appearance phrases the description already states ("long red hair", "green eyes", "freckles")."""
    vocab = vocabulary()
    colours = "|".join(sorted(vocab["colour_words"], key=len, reverse=True))
    lengths = "long|short|curly|wavy|straight|shoulder-length"
    pattern = re.compile(rf"\b(?:(?:{lengths})\s+)?(?:{colours})\s+(?:hair|eyes)\b")
    text = c.description.lower()
    found = [m.group(0) for m in pattern.finditer(text)]
    found += [w for w in vocab["feature_words"] if re.search(rf"\b{re.escape(w)}\b", text)]
    return found


def _appearance(c: _Character) -> dict[str, Any]:
    vocab, rng = vocabulary(), c.rng("appearance")
    physical, clothing = regroup_tags(c.appearance, c.clothing)
    candidates = _from_description(c)
    if not _has(physical + candidates, "hair", "bald", "blonde", "blond", "redhead", "brunette"):
        candidates += [f"{rng.choice(vocab['hair_colours'])} hair", rng.choice(vocab["hair_styles"])]
    if not _has(physical + candidates, "eyes", "eye", "eyed"):
        candidates.append(f"{rng.choice(vocab['eye_colours'])} eyes")
    if not _has(physical + candidates, "build", "figure", "frame", "shoulders", "tall", "petite"):
        candidates.append(rng.choice(vocab["builds"][c.gender]))
    extra = vocab["male_features"] if c.gender == "male" else vocab["features"]
    candidates += rng.sample(extra, 2)
    for tag in candidates:
        if len(physical) >= APPEARANCE_SUGGEST_MAX:
            break
        if categorize_tag(tag) != "clothing" and not near_duplicate(tag, physical):
            physical.append(tag)
    outfit = rng.sample(vocab["outfits"][c.mood], len(vocab["outfits"][c.mood]))
    for tag in outfit:
        if len(clothing) >= 3:
            break
        if not near_duplicate(tag, clothing):
            clothing.append(tag)
    return {"appearance_tags": clean_tags(physical), "clothing_tags": clean_tags(clothing)}


def _trait_list(c: _Character, count: int = 5) -> list[str]:
    vocab, rng = vocabulary(), c.rng("traits")
    own = [t.strip() for t in re.split(r"[,;\n]", c.traits) if t.strip()]
    pool = rng.sample(vocab["traits"][c.mood], 4) + vocab["tone_traits"][c.voice_tone]
    result = list(own)
    for trait in pool:
        if len(result) >= max(count, len(own)):
            break
        if trait.casefold() not in {t.casefold() for t in result}:
            result.append(trait)
    return result


def _traits(c: _Character) -> dict[str, Any]:
    return {"traits": ", ".join(_trait_list(c))}


def _description(c: _Character) -> dict[str, Any]:
    """Who the character is at a glance: looks, a hook, the signature outfit and one favourite thing.
    The traits, the way of speaking and the other likes are the persona's, so the two never say the
    same thing twice."""
    vocab = vocabulary()
    looks = _appearance(c)
    mood_word = vocab["mood_words"][c.mood]
    article = "an" if mood_word[0] in "aeiou" else "a"
    features = [t for t in looks["appearance_tags"] if _reads_after_with(t)][:3]
    text = f"{c.words['lead']} {article} {mood_word} {c.words['noun']}"
    text += f" with {_join(features)}. " if features else ". "
    text += _cap(c.fill("{subj} " + vocab["hooks"][c.mood])) + ". "
    if looks["clothing_tags"]:
        text += f"Signature look: {_join(looks['clothing_tags'][:2])}. "
    text += _cap(f"{c.words['poss']} favourite thing is {_favourite(c)}.")
    return {"description": fit_text(text, DESCRIPTION_MAX_FORM)}


def _reads_after_with(tag: str) -> bool:
    """"with freckles" reads, "with tall and graceful" does not: only noun phrases follow "with"."""
    words = TOKEN.findall(tag.lower())
    return bool(words) and "and" not in words and words[-1] not in _ADJECTIVE_BUILDS


_ADJECTIVE_BUILDS = frozenset({"tall", "petite", "slim", "lanky", "graceful", "muscular", "short", "stocky"})


def _favourite(c: _Character) -> str:
    """The one like the description names; the persona's likes leave it out."""
    return c.rng("favourite").choice(vocabulary()["likes"])


def _persona(c: _Character) -> dict[str, Any]:
    """How the character plays: traits, speech, likes and dislikes - nothing the description says
    already (not its looks, hook or favourite thing, nor a copy of the person's own text)."""
    vocab, rng = vocabulary(), c.rng("persona")
    mood_word = vocab["mood_words"][c.mood]  # the description's word for the character
    traits = [t for t in _trait_list(c) if t.casefold() != mood_word] or _trait_list(c)
    likes = [like for like in vocab["likes"] if like != _favourite(c)]
    lines = [f"{c.words['lead']} {_join(traits)}."]
    lines.append(_cap(c.fill("{subj} speak{s} in ")) + vocab["tone_speech"][c.voice_tone] + ".")
    lines.append(f"Likes: {_join(rng.sample(likes, 3))}.")
    lines.append(f"Dislikes: {_join(rng.sample(vocab['dislikes'], 2))}.")
    return {"persona": "\n".join(lines)}


def _first_message(c: _Character) -> dict[str, Any]:
    """The mood's scene and the voice tone's greeting; another variant adds a line about a like, so
    "Try again" offers something new."""
    vocab = vocabulary()
    scene = c.fill(vocab["scenes"][c.mood])
    message = f"{scene} {vocab['greetings'][c.voice_tone]}"
    if c.variant:
        like = c.rng("first_message").choice(vocab["likes"])
        message += f' "I was just thinking about {like}."'
    return {"first_message": message}


_BUILDERS = {
    "description": _description,
    "appearance": _appearance,
    "persona": _persona,
    "traits": _traits,
    "first_message": _first_message,
}
