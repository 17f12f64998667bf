"""The offline renderer's expression sprite: the character's face with one label's expression.

An expression set sends one request per label, each with its own seed, so the *look* (hair, skin,
eyes, outfit, head shape) must not come from the seed: it comes from the face the set is made from
(the reference's colours, sampled where a head-and-shoulders portrait has its hair, skin and
outfit) and the tags, and is the same for every label. The label's brows, eyes and mouth come from
:mod:`core.render.expression_faces`; the seed only adds a little gaze and tilt, so alternatives of a
label are not identical.

Head and shoulders, facing the viewer, the label and "Offline preview" as a caption on the chest.
``transparent`` gives an RGBA PNG whose background is fully transparent (alpha 0 around the bust);
otherwise the background is one plain colour and the PNG is RGB. Same inputs, same bytes. Pure
drawing, module-level, so the provider runs it in the worker processes like ``render_portrait``.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import random
from dataclasses import replace

from PIL import Image, ImageDraw, ImageOps, ImageStat

from core.render import expression_features as features
from core.render.expression_faces import Face, face_for, jittered
from core.render.palette import COLOURS, RGB, Looks, hsv, looks_from_tags, shade
from core.render.portrait import MIN_EDGE, PNG_COMPRESS_LEVEL, canvas_size

SCALE = 2  # drawn at 2x and reduced, so the edges are smooth
SAMPLE = 128  # the reference is read at this size: enough for its colours, cheap to decode
LABEL_CAPTION_MAX = 24
# Where a head-and-shoulders portrait (the built-in one, and most others) has each part, as fractions of
# a square crop: (left, top, right, bottom).
HAIR_BOX = (0.42, 0.21, 0.58, 0.27)
SKIN_BOX = (0.46, 0.50, 0.54, 0.53)
OUTFIT_BOX = (0.24, 0.66, 0.34, 0.72)


def render_expression(label: str, tags: tuple[str, ...], seed: int, reference: bytes | None = None,
                      width: int = MIN_EDGE, height: int = MIN_EDGE, transparent: bool = False) -> bytes:
    """The PNG bytes of one expression sprite; pure and deterministic (module-level so the pool can pickle it).

    Raises ValueError with a clear message for an empty label or an unreadable reference (the type the
    provider maps to ProviderError, and one that crosses the process boundary).
    """
    if not isinstance(label, str) or not label.strip():
        raise ValueError("An expression needs a label")
    label = label.strip()
    w, h = canvas_size(width, height)
    looks, plain = identity(tags, reference)
    face = jittered(face_for(label), seed)
    size = (w * SCALE, h * SCALE)
    head = _head_geometry(*size)
    colours = _colours(looks)
    body = Image.new("RGBA", size, (0, 0, 0, 0))
    _body(body, head, looks)
    head_layer = Image.new("RGBA", size, (0, 0, 0, 0))
    _head(head_layer, head, looks, colours, face)
    bow = face.extras.bow * 2 * head.ry
    overlay = Image.new("RGBA", size, (0, 0, 0, 0))
    symbols = tuple(s for s in face.extras.symbols if s != "sweat")
    features.draw_symbols(ImageDraw.Draw(overlay, "RGBA"), replace(head, hy=head.hy + bow), symbols, colours)
    _caption(overlay, head, label)
    sprite = body.reduce(SCALE)
    sprite.alpha_composite(_posed(head_layer.reduce(SCALE), head, face.extras.tilt, bow))
    sprite.alpha_composite(overlay.reduce(SCALE))
    out = io.BytesIO()
    if transparent:
        sprite.save(out, "PNG", optimize=False, compress_level=PNG_COMPRESS_LEVEL)
    else:
        background = Image.new("RGBA", sprite.size, (*plain, 255))
        background.alpha_composite(sprite)
        background.convert("RGB").save(out, "PNG", optimize=False, compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()


def _posed(head_layer: Image.Image, head: features.Head, tilt: float, bow: float) -> Image.Image:
    """The head tilted about the neck and moved by ``bow``, at output scale (a quarter of the pixels of the
    supersampled layer: the rotation is most of a sprite's cost)."""
    pivot = (head.hx / SCALE, (head.hy + 1.2 * head.u) / SCALE)
    if tilt:
        return head_layer.rotate(-tilt, Image.Resampling.BICUBIC, center=pivot, translate=(0, bow / SCALE))
    if bow:
        moved = Image.new("RGBA", head_layer.size, (0, 0, 0, 0))
        moved.paste(head_layer, (0, round(bow / SCALE)))
        return moved
    return head_layer


def identity(tags: tuple[str, ...], reference: bytes | None) -> tuple[Looks, RGB]:
    """The face's looks and the plain background colour, from the reference and the tags only.

    The reference's colours win where it has them (it *is* the face); the tags fill the rest, and a
    hash of both fills what neither says, so every label of a set gets the same face.
    """
    key = hashlib.sha256(b"expression-identity\x00" + (reference or b"") + "\x1f".join(tags).encode()).digest()
    rng = random.Random(int.from_bytes(key[:8], "big"))
    looks = looks_from_tags(tags, rng)
    plain = hsv(rng.random(), 0.16, 0.94)
    if reference is None:
        return looks, plain
    sample = _sample(reference)
    skin = _median(sample, SKIN_BOX)
    looks = replace(looks, hair=_median(sample, HAIR_BOX), outfit=_median(sample, OUTFIT_BOX),
                    skin=skin if _skin_like(skin) else looks.skin)
    r, g, b = (round(c) for c in ImageStat.Stat(sample).mean[:3])
    return looks, tuple(round(c * 0.35 + 255 * 0.65) for c in (r, g, b))  # type: ignore[return-value]


def _sample(reference: bytes) -> Image.Image:
    try:
        ref = Image.open(io.BytesIO(reference))
        ref.draft("RGB", (SAMPLE * 2, SAMPLE * 2))
        ref = ImageOps.exif_transpose(ref).convert("RGB")
    except Exception as exc:  # any decoder failure is one thing to the caller: an unreadable reference
        raise ValueError(f"The reference image could not be read ({type(exc).__name__})") from None
    return ImageOps.fit(ref, (SAMPLE, SAMPLE), Image.Resampling.BILINEAR)


def _median(sample: Image.Image, box: tuple[float, float, float, float]) -> RGB:
    region = sample.crop(tuple(round(f * SAMPLE) for f in box))  # type: ignore[arg-type]
    r, g, b = (round(c) for c in ImageStat.Stat(region).median[:3])
    return (r, g, b)


def _skin_like(colour: RGB) -> bool:
    """A sampled colour can be skin: warm hue, some saturation, not too dark (else the tags' skin is used)."""
    hue, sat, val = colorsys.rgb_to_hsv(*(c / 255 for c in colour))
    return (hue <= 0.14 or hue >= 0.95) and 0.06 <= sat <= 0.75 and val >= 0.25


def _head_geometry(w: int, h: int) -> features.Head:
    base = min(w, h)
    u = 0.21 * base
    return features.Head(hx=w / 2, hy=h * 0.5 - 0.08 * base, u=u, ry=u * 1.237, line=max(2.0, base / 400))


def _colours(looks: Looks) -> features.Colours:
    brow = tuple(round(a * 0.45 + b * 0.55) for a, b in zip(looks.hair, (46, 32, 30), strict=True))
    lips = tuple(round(a * 0.4 + b * 0.6) for a, b in zip(shade(looks.skin, 0.55), (130, 40, 55), strict=True))
    return features.Colours(skin=looks.skin, skin_dark=shade(looks.skin, 0.78), brow=brow,  # type: ignore[arg-type]
                            iris=looks.eyes, lips=lips)  # type: ignore[arg-type]


def _body(layer: Image.Image, head: features.Head, looks: Looks) -> None:
    """Long hair behind, neck, shoulders and chest running off the bottom edge (never the corners)."""
    d = ImageDraw.Draw(layer, "RGBA")
    hx, hy, u, line = head.hx, head.hy, head.u, round(head.line * 2)
    shoulders = hy + head.ry + 0.3 * u
    hair_dark = shade(looks.hair, 0.7)
    if looks.long_hair:
        d.rounded_rectangle((hx - 1.3 * u, hy - 0.9 * u, hx + 1.3 * u, shoulders + 1.0 * u), radius=round(0.6 * u),
                            fill=looks.hair, outline=hair_dark, width=line)
    d.rectangle((hx - 0.34 * u, hy + 0.8 * u, hx + 0.34 * u, shoulders + 0.2 * u), fill=shade(looks.skin, 0.86))
    bottom = layer.height + u
    d.rounded_rectangle((hx - 1.9 * u, shoulders, hx + 1.9 * u, bottom), radius=round(0.9 * u), fill=looks.outfit,
                        outline=shade(looks.outfit, 0.6), width=line)
    d.polygon([(hx - 0.42 * u, shoulders), (hx + 0.42 * u, shoulders), (hx, shoulders + 0.6 * u)],
              fill=shade(looks.skin, 0.86))
    if looks.necklace:
        d.arc((hx - 0.45 * u, shoulders - 0.35 * u, hx + 0.45 * u, shoulders + 0.35 * u), 20, 160,
              fill=COLOURS["gold"], width=line * 2)


def _head(layer: Image.Image, head: features.Head, looks: Looks, colours: features.Colours,
          face: Face) -> None:
    """Hair behind, the face, the fringe and side locks, then the expression on top."""
    d = ImageDraw.Draw(layer, "RGBA")
    hx, hy, u, ry, line = head.hx, head.hy, head.u, head.ry, round(head.line * 2)
    hair_dark = shade(looks.hair, 0.7)
    d.ellipse((hx - 1.16 * u, hy - 1.14 * ry, hx + 1.16 * u, hy + 0.55 * ry), fill=looks.hair, outline=hair_dark,
              width=line)
    for side in (-1, 1):  # ears
        ex = hx + side * 0.97 * u
        d.ellipse((ex - 0.14 * u, hy - 0.05 * u, ex + 0.14 * u, hy + 0.35 * u), fill=colours.skin,
                  outline=colours.skin_dark, width=line)
    d.ellipse((hx - u, hy - ry, hx + u, hy + ry), fill=colours.skin, outline=colours.skin_dark, width=line)
    fringe = hy - 0.55 * u
    top = hy - 1.13 * ry
    d.chord((hx - 1.08 * u, top, hx + 1.08 * u, 2 * fringe - top), 180, 360, fill=looks.hair)
    for k in range(5):  # scalloped bangs
        x = hx + (k - 2) * 0.38 * u
        d.ellipse((x - 0.24 * u, fringe - 0.2 * u, x + 0.24 * u, fringe + 0.12 * u), fill=looks.hair)
    lock_bottom = hy + (1.7 * u if looks.long_hair else 0.35 * u)
    for side in (-1, 1):
        x0, x1 = sorted((hx + side * 0.84 * u, hx + side * 1.14 * u))
        d.rounded_rectangle((x0, fringe - 0.1 * u, x1, lock_bottom), radius=round(0.14 * u), fill=looks.hair)
    if looks.freckles:
        spots = random.Random(7)
        for _ in range(12):
            side = 1 if spots.random() < 0.5 else -1
            fx, fy = hx + side * spots.uniform(0.3, 0.68) * u, head.ey + spots.uniform(0.22, 0.42) * u
            r = line * 0.8
            d.ellipse((fx - r, fy - r, fx + r, fy + r), fill=shade(looks.skin, 0.75))
    features.draw_cheeks(d, head, face.extras)
    features.draw_nose(d, head, colours)
    features.draw_eyes(layer, head, face.eyes, colours)
    features.draw_mouth(layer, head, face.mouth, colours)
    d = ImageDraw.Draw(layer, "RGBA")
    features.draw_brows(d, head, face.brows, colours)
    if looks.glasses:
        for side in (-1, 1):
            cx = hx + side * head.ex
            d.ellipse((cx - head.ew * 1.35, head.ey - head.ew * 1.1, cx + head.ew * 1.35, head.ey + head.ew * 1.1),
                      outline=(40, 40, 44), width=line * 2)
        d.line((hx - head.ex + head.ew * 1.35, head.ey, hx + head.ex - head.ew * 1.35, head.ey), fill=(40, 40, 44),
               width=line * 2)
    if "sweat" in face.extras.symbols:
        features.draw_sweat(d, head)


def _caption(layer: Image.Image, head: features.Head, label: str) -> None:
    """The label, and "Offline preview" under it, on a light pill on the chest (inside the bust, so the
    transparent background stays untouched)."""
    d = ImageDraw.Draw(layer, "RGBA")
    base = min(layer.size)
    text = label if len(label) <= LABEL_CAPTION_MAX else label[:LABEL_CAPTION_MAX - 1] + "…"
    size = round(base * 0.05)
    while size > base * 0.025 and features.font(size).getlength(text) > base * 0.58:  # fit inside the chest
        size -= 2
    title, small = features.font(size), features.font(round(base * 0.026))
    tw = max(title.getlength(text), small.getlength("Offline preview"))
    cy = layer.height - base * 0.1
    pad = base * 0.018
    top, bottom = cy - base * 0.04 - pad, cy + base * 0.04 + pad
    d.rounded_rectangle((head.hx - tw / 2 - pad * 1.5, top, head.hx + tw / 2 + pad * 1.5, bottom), radius=round(pad),
                        fill=(255, 255, 255, 225), outline=(0, 0, 0, 90), width=max(2, round(base / 500)))
    d.text((head.hx, cy - base * 0.012), text, font=title, fill=(28, 28, 38, 255), anchor="ms")
    d.text((head.hx, cy + base * 0.032), "Offline preview", font=small, fill=(84, 84, 100, 255), anchor="ms")
