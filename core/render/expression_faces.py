"""What each expression label looks like to the offline renderer: brows, eyes, mouth and extras, as data.

One table for every label the studio ships (the 28 SillyTavern labels, which hold the essential ten),
so tuning a face is an edit here and nothing else. It is the drawing's counterpart of the prompt
vocabulary (``core/seed_data/expressions.json``): the same words, as geometry.

Units: brow and eye offsets are in eye heights, mouth width in head half-widths; ``curve`` > 0 turns
the mouth corners up (a smile), < 0 down (a frown). A custom label gets a face from a few synonyms
("happy" -> joy), else one derived from the label's own hash, so any valid label draws the same face
every time.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field, replace
from typing import Literal

MouthKind = Literal["line", "open", "o", "teeth"]
Symbol = Literal["anger", "question", "exclaim", "bulb", "heart", "sparkles", "sigh", "sweat"]


@dataclass(frozen=True)
class Brows:
    lift: float = 0.0  # raise both brows (eye heights); negative lowers them
    tilt: float = 0.0  # inner ends up (+, worried/sad) or down (-, angry)
    asym: float = 0.0  # extra lift of the viewer's-right brow only (one raised brow)


@dataclass(frozen=True)
class Eyes:
    open: float = 1.0  # 0 closed, 1 normal, 1.4 wide
    closed_curve: float = 1.0  # when closed: +1 a happy arch (^), -1 a calm downward curve (lashes)
    lower: float = 0.0  # how far the lower lid rises (smiling eyes), 0..0.6
    lid_tilt: float = 0.0  # upper lid slant: + inner end lower (glare), - outer end lower (sad)
    gaze: tuple[float, float] = (0.0, 0.0)  # pupil offset, -1..1 (x right, y down)
    pupil: float = 1.0  # pupil size factor (fear shrinks it)
    sparkle: bool = False  # star highlights


@dataclass(frozen=True)
class Mouth:
    kind: MouthKind = "line"
    width: float = 0.30
    curve: float = 0.0  # + corners up, - corners down
    open: float = 0.0  # 0 closed .. 1 wide open
    skew: float = 0.0  # + raises the viewer's-right corner (a smirk)
    wave: float = 0.0  # a wobble along the lips (nervous, trembling)


@dataclass(frozen=True)
class Extras:
    blush: float = 0.0  # 0..1
    blush_lines: bool = False  # the hatch lines of an embarrassed blush
    tears: Literal["none", "drop", "streams"] = "none"
    gloom: bool = False  # shadow lines on the forehead
    nose_wrinkle: bool = False
    tilt: float = 0.0  # head tilt in degrees (+ toward the viewer's right)
    bow: float = 0.0  # head moved down (+, bowed) or up (-, chin raised), in head heights
    symbols: tuple[Symbol, ...] = ()


@dataclass(frozen=True)
class Face:
    brows: Brows = field(default_factory=Brows)
    eyes: Eyes = field(default_factory=Eyes)
    mouth: Mouth = field(default_factory=Mouth)
    extras: Extras = field(default_factory=Extras)


EXPRESSION_FACES: dict[str, Face] = {
    "neutral": Face(Brows(), Eyes(), Mouth("line", 0.26, 0.05)),
    "joy": Face(Brows(0.6), Eyes(0.0, 1.0), Mouth("open", 0.46, 0.9, 0.85), Extras(blush=0.35)),
    "amusement": Face(Brows(0.3, 0.1, 0.3), Eyes(0.55, lower=0.5), Mouth("teeth", 0.42, 0.8, 0.4, skew=0.45),
                      Extras(blush=0.2, tilt=-5)),
    "admiration": Face(Brows(0.7, 0.15), Eyes(1.25, sparkle=True), Mouth("open", 0.26, 0.6, 0.2),
                       Extras(blush=0.3, symbols=("sparkles",))),
    "anger": Face(Brows(-0.5, -1.0), Eyes(0.75, lid_tilt=0.9, pupil=0.75), Mouth("teeth", 0.4, -0.6, 0.45),
                  Extras(symbols=("anger",))),
    "annoyance": Face(Brows(-0.3, -0.45, -0.25), Eyes(0.5, gaze=(0.7, 0.0)), Mouth("line", 0.2, -0.35, skew=-0.4)),
    "approval": Face(Brows(0.2), Eyes(0.8, lower=0.35), Mouth("line", 0.36, 0.7, skew=0.1), Extras(bow=0.02)),
    "caring": Face(Brows(0.35, 0.35), Eyes(0.75, lower=0.4), Mouth("line", 0.3, 0.55),
                   Extras(blush=0.3, tilt=9)),
    "confusion": Face(Brows(0.1, 0.2, 0.9), Eyes(1.0, gaze=(0.4, -0.5)), Mouth("line", 0.2, -0.15, wave=0.5),
                      Extras(tilt=-11, symbols=("question",))),
    "curiosity": Face(Brows(0.8, 0.1, 0.3), Eyes(1.2, gaze=(0.5, 0.0)), Mouth("o", 0.1, 0.0, 0.3), Extras(tilt=7)),
    "desire": Face(Brows(0.1, 0.3), Eyes(0.45, lower=0.15, gaze=(0.0, 0.2)), Mouth("open", 0.24, 0.25, 0.3),
                   Extras(blush=0.8)),
    "disappointment": Face(Brows(0.1, 0.55), Eyes(0.55, lid_tilt=-0.4, gaze=(0.0, 0.8)),
                           Mouth("line", 0.3, -0.55), Extras(bow=0.03, symbols=("sigh",))),
    "disapproval": Face(Brows(-0.35, -0.55), Eyes(0.55, lid_tilt=0.35, gaze=(0.6, 0.0)),
                        Mouth("line", 0.28, -0.45), Extras(tilt=-4, bow=-0.02)),
    "disgust": Face(Brows(-0.35, -0.6, 0.2), Eyes(0.4, lower=0.4), Mouth("teeth", 0.38, -0.65, 0.35, skew=0.35),
                    Extras(gloom=True, nose_wrinkle=True)),
    "embarrassment": Face(Brows(0.35, 0.55), Eyes(0.8, gaze=(-0.8, 0.5)), Mouth("line", 0.26, 0.3, wave=0.6),
                          Extras(blush=1.0, blush_lines=True, symbols=("sweat",))),
    "excitement": Face(Brows(1.0), Eyes(1.3, sparkle=True), Mouth("open", 0.48, 1.0, 1.0),
                       Extras(blush=0.4, symbols=("sparkles",))),
    "fear": Face(Brows(0.9, 0.85), Eyes(1.4, pupil=0.5), Mouth("open", 0.3, -0.6, 0.6, wave=0.25),
                 Extras(gloom=True, symbols=("sweat",))),
    "gratitude": Face(Brows(0.35, 0.45), Eyes(0.0, 1.0), Mouth("line", 0.32, 0.65),
                      Extras(blush=0.35, tears="drop", bow=0.04)),
    "grief": Face(Brows(0.45, 1.0), Eyes(0.0, -1.0), Mouth("open", 0.3, -0.85, 0.4, wave=0.3),
                  Extras(tears="streams", gloom=True, bow=0.06)),
    "love": Face(Brows(0.35, 0.2), Eyes(0.7, lower=0.4), Mouth("open", 0.28, 0.7, 0.12),
                 Extras(blush=0.7, symbols=("heart",))),
    "nervousness": Face(Brows(0.45, 0.65), Eyes(1.0, gaze=(0.8, 0.0), pupil=0.7),
                        Mouth("teeth", 0.36, 0.2, 0.25, wave=0.7), Extras(symbols=("sweat",))),
    "optimism": Face(Brows(0.55, 0.1), Eyes(1.05, gaze=(0.2, -0.8), sparkle=True), Mouth("open", 0.36, 0.8, 0.3),
                     Extras(tilt=4, bow=-0.02)),
    "pride": Face(Brows(0.15, -0.25, 0.15), Eyes(0.45, lower=0.2), Mouth("line", 0.34, 0.5, skew=0.55),
                  Extras(tilt=-3, bow=-0.04)),
    "realization": Face(Brows(1.0), Eyes(1.3, pupil=0.7), Mouth("o", 0.14, 0.0, 0.45), Extras(symbols=("bulb",))),
    "relief": Face(Brows(0.25, 0.45), Eyes(0.0, -1.0), Mouth("open", 0.3, 0.5, 0.15),
                   Extras(blush=0.15, symbols=("sigh",))),
    "remorse": Face(Brows(0.3, 0.85), Eyes(0.55, lid_tilt=-0.4, gaze=(-0.3, 0.8)), Mouth("line", 0.22, -0.35),
                    Extras(gloom=True, bow=0.04)),
    "sadness": Face(Brows(0.35, 0.75), Eyes(0.65, lid_tilt=-0.5, gaze=(0.0, 0.4)), Mouth("line", 0.3, -0.75),
                    Extras(tears="drop")),
    "surprise": Face(Brows(1.3), Eyes(1.45, pupil=0.7), Mouth("o", 0.17, 0.0, 0.9), Extras(symbols=("exclaim",))),
}

# Custom labels often name a known feeling in other words; these borrow its face.
SYNONYMS: dict[str, str] = {
    "happy": "joy", "happiness": "joy", "glad": "joy", "smile": "joy", "smiling": "joy", "laugh": "amusement",
    "laughing": "amusement", "smug": "pride", "sad": "sadness", "crying": "grief", "cry": "grief",
    "angry": "anger", "mad": "anger", "rage": "anger", "furious": "anger", "irritated": "annoyance",
    "scared": "fear", "afraid": "fear", "terrified": "fear", "shy": "embarrassment", "blush": "embarrassment",
    "flustered": "embarrassment", "shocked": "surprise", "shock": "surprise", "surprised": "surprise",
    "worried": "nervousness", "anxious": "nervousness", "calm": "neutral", "bored": "annoyance",
    "thinking": "curiosity", "confused": "confusion", "loving": "love", "hopeful": "optimism",
    "proud": "pride", "relieved": "relief", "sorry": "remorse", "disgusted": "disgust", "excited": "excitement",
    "thankful": "gratitude", "grateful": "gratitude", "tender": "caring", "kind": "caring",
}


def face_for(label: str) -> Face:
    """The label's face: the table's, a synonym's, or one derived from the label (never random)."""
    known = EXPRESSION_FACES.get(label)
    if known is not None:
        return known
    for word in label.replace("_", "-").split("-"):
        if word in EXPRESSION_FACES:
            return EXPRESSION_FACES[word]
        if word in SYNONYMS:
            return EXPRESSION_FACES[SYNONYMS[word]]
    return derived_face(label)


def derived_face(label: str) -> Face:
    """A face for a label nobody described: every parameter from the label's SHA-256, within the ranges
    the table uses, so it is the same in every process and after a restart."""
    rng = random.Random(int.from_bytes(hashlib.sha256(f"expression-face\x00{label}".encode()).digest()[:8], "big"))
    def pick(lo: float, hi: float) -> float:
        return round(rng.uniform(lo, hi), 2)

    mouth_kind: MouthKind = rng.choice(("line", "line", "open", "o", "teeth"))
    brows = Brows(pick(-0.4, 0.9), pick(-0.8, 0.8), pick(-0.2, 0.4))
    eye_open = pick(0.45, 1.35)
    eyes = Eyes(eye_open if rng.random() < 0.8 else 0.0, rng.choice((1.0, -1.0)), pick(0.0, 0.4),
                gaze=(pick(-0.6, 0.6), pick(-0.5, 0.5)))
    mouth = Mouth(mouth_kind, 0.14 if mouth_kind == "o" else pick(0.16, 0.4),
                  0.0 if mouth_kind == "o" else pick(-0.8, 0.9), 0.0 if mouth_kind == "line" else pick(0.2, 0.7))
    blush = pick(0.2, 0.8)
    extras = Extras(blush=blush if rng.random() < 0.35 else 0.0, tilt=pick(-8, 8))
    return Face(brows, eyes, mouth, extras)


def jittered(face: Face, seed: int) -> Face:
    """The face with a seed's small variation (gaze, tilt), so two alternatives of a label are not identical
    while the expression stays the label's."""
    rng = random.Random(seed)
    gx, gy = face.eyes.gaze
    eyes = replace(face.eyes, gaze=(gx + rng.uniform(-0.12, 0.12), gy + rng.uniform(-0.08, 0.08)))
    extras = replace(face.extras, tilt=face.extras.tilt + rng.uniform(-1.5, 1.5))
    return replace(face, eyes=eyes, extras=extras)
