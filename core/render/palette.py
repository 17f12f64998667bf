"""The colours both offline renderers draw a character with: named colours, skin tones, and the looks
(hair, eyes, skin, outfit, a few features) read from the appearance and clothing tags.

Shared by :mod:`core.render.portrait` and :mod:`core.render.expression`, so a character's portrait and
its expression sprites are drawn from the same reading of the same tags.
"""

from __future__ import annotations

import colorsys
import random
import re
from dataclasses import dataclass

from core.vocabulary import categorize_tags

RGB = tuple[int, int, int]
RGBA = tuple[int, int, int, int]
COLOURS: dict[str, RGB] = {
    "red": (178, 42, 42), "crimson": (150, 20, 40), "scarlet": (200, 36, 30), "ginger": (196, 96, 42),
    "auburn": (140, 58, 34), "copper": (184, 100, 52), "orange": (228, 120, 40), "pink": (236, 138, 170),
    "rose": (214, 96, 120), "magenta": (190, 40, 140), "blonde": (232, 200, 120), "blond": (232, 200, 120),
    "golden": (222, 176, 72), "gold": (212, 170, 60), "yellow": (236, 206, 70), "honey": (200, 146, 60),
    "amber": (204, 128, 30), "brown": (110, 70, 40), "chestnut": (122, 64, 36), "brunette": (92, 58, 36),
    "hazel": (140, 110, 60), "black": (30, 28, 32), "raven": (22, 22, 30), "dark": (40, 34, 36),
    "white": (236, 236, 240), "silver": (196, 200, 210), "platinum": (228, 224, 210), "grey": (130, 130, 138),
    "gray": (130, 130, 138), "ash": (170, 166, 160), "blue": (52, 100, 200), "azure": (70, 140, 220),
    "navy": (30, 40, 96), "teal": (30, 128, 128), "cyan": (60, 190, 210), "turquoise": (50, 190, 180),
    "green": (50, 140, 70), "emerald": (20, 130, 80), "jade": (60, 160, 110), "olive": (110, 120, 50),
    "purple": (110, 50, 150), "violet": (130, 70, 190), "lavender": (170, 150, 210), "lilac": (190, 160, 210),
    "maroon": (110, 26, 40), "burgundy": (120, 24, 50), "beige": (214, 196, 160), "cream": (240, 228, 200),
    "ivory": (240, 234, 214), "tan": (196, 150, 100),
}
SKIN_TONES: dict[str, RGB] = {
    "porcelain": (248, 226, 212), "pale": (244, 220, 204), "fair": (240, 212, 190), "light": (236, 204, 180),
    "olive": (198, 160, 116), "tan": (204, 150, 108), "tanned": (204, 150, 108), "bronze": (176, 120, 80),
    "brown": (140, 92, 62), "dark": (100, 64, 44), "ebony": (76, 50, 36),
}
DEFAULT_SKINS: tuple[RGB, ...] = ((242, 214, 194), (226, 188, 156), (198, 148, 108), (150, 100, 68))
_WORD = re.compile(r"[a-z]+")


def hsv(h: float, s: float, v: float) -> RGB:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return (round(r * 255), round(g * 255), round(b * 255))


def hsva(h: float, s: float, v: float, alpha: int) -> RGBA:
    return (*hsv(h, s, v), alpha)


def shade(colour: RGB, factor: float) -> RGB:
    r, g, b = (max(0, min(255, round(c * factor))) for c in colour)
    return (r, g, b)


def colour_in(text: str) -> RGB | None:
    """The first colour word in ``text`` ("long red hair" -> red), or None."""
    for word in _WORD.findall(text.lower()):
        if word in COLOURS:
            return COLOURS[word]
    return None


@dataclass(frozen=True)
class Looks:
    hair: RGB
    eyes: RGB
    skin: RGB
    outfit: RGB
    long_hair: bool
    freckles: bool
    glasses: bool
    necklace: bool


def looks_from_tags(tags: tuple[str, ...], rng: random.Random) -> Looks:
    """Hair, eye, skin and outfit colours and a few features read from the tags; ``rng`` fills the gaps.

    It always draws the same number of values from ``rng``, so what else the caller draws from it
    does not depend on the tags.
    """
    physical, clothing = categorize_tags(list(tags))
    low = [t.lower() for t in physical]
    hair = next((c for t in low if "hair" in t and (c := colour_in(t))), None)
    hair = hair or next((COLOURS[w] for t in low for w in ("blonde", "blond", "brunette", "redhead")
                         if w in t and w in COLOURS), None)
    eyes = next((c for t in low if "eye" in t and (c := colour_in(t))), None)
    skin = next((SKIN_TONES[w] for t in low if "skin" in t or "complexion" in t
                 for w in _WORD.findall(t) if w in SKIN_TONES), None)
    outfit = next((c for t in clothing if (c := colour_in(t))), None)
    joined = " ".join(t.lower() for t in tags)
    long_default = rng.random() < 0.5  # drawn always, so the seed's other choices do not depend on the tags
    return Looks(
        hair=hair or rng.choice([COLOURS[k] for k in ("brown", "black", "auburn", "blonde", "chestnut")]),
        eyes=eyes or rng.choice([COLOURS[k] for k in ("brown", "blue", "green", "hazel", "grey")]),
        skin=skin or rng.choice(DEFAULT_SKINS),
        outfit=outfit or hsv(rng.random(), 0.45, 0.55),
        long_hair="short hair" not in joined and ("long" in joined or "ponytail" in joined or long_default),
        freckles="freckle" in joined,
        glasses="glasses" in joined or "spectacles" in joined,
        necklace=any(w in joined for w in ("necklace", "pendant", "choker")),
    )
