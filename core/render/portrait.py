"""The offline preview renderer's drawing: a real PNG from the prompt, the tags and a seed, with no key and no network.

It exists so a fresh install can make portraits before any provider is configured. It is a stylised
portrait card (gradient, a bust whose hair, eye, skin and outfit colours come from the tags, the
tags as text), labelled "Offline preview" so nobody mistakes it for AI output. The same (prompt,
tags, seed, reference, size) always give byte-identical PNG bytes: the seed drives every choice,
and the encoder writes no timestamp or metadata chunk. In I2I the reference, fitted and posterised,
is the picture; the bust only ghosts over it, so the result visibly derives from the reference.

Pure drawing, with no provider, pool or I/O: the built-in provider runs :func:`render_portrait` in the
context's worker processes, and a card export without portraits takes its placeholder from here.
"""

from __future__ import annotations

import hashlib
import io
import random
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

from core.render.palette import COLOURS, Looks, hsv, hsva, looks_from_tags, shade

MIN_EDGE, MAX_EDGE = 768, 1536
PNG_COMPRESS_LEVEL = 3  # fixed so the bytes never depend on a library default; 3 is fast and compact enough


def derive_seed(prompt: str, tags: tuple[str, ...] | list[str] = ()) -> int:
    """A stable seed from the prompt and tags, so "no seed" still means "the same picture for the same input"."""
    digest = hashlib.sha256("\x1f".join([prompt, *tags]).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def canvas_size(width: int, height: int) -> tuple[int, int]:
    """The requested size clamped to [768, 1536] per edge: a usable preview, but never a huge render."""
    return (min(max(int(width), MIN_EDGE), MAX_EDGE), min(max(int(height), MIN_EDGE), MAX_EDGE))


def render_portrait(prompt: str, tags: tuple[str, ...], seed: int, reference: bytes | None = None,
                    width: int = MIN_EDGE, height: int = MIN_EDGE, strength: float = 0.6) -> bytes:
    """The PNG bytes of one portrait card; pure and deterministic (module-level so the pool can pickle it).

    ``strength`` is the usual img2img denoising strength: 0 keeps the reference, 1 departs furthest.
    Raises ValueError with a clear message when the reference cannot be read: one plain, picklable type
    that crosses the process boundary and that the provider maps to ProviderError.
    """
    w, h = canvas_size(width, height)
    rng = random.Random(int.from_bytes(hashlib.sha256(f"{prompt}\x00{seed}".encode()).digest()[:8], "big"))
    hue = rng.random()
    looks = looks_from_tags(tags, rng)
    image = _background(w, h, hue, rng)
    if reference is not None:
        keep = min(max(1.0 - 0.5 * float(strength), 0.35), 0.9)
        image = Image.blend(image, _fit_reference(reference, w, h), keep)
    figure = _figure(w, h, looks, rng)
    if reference is not None:  # the reference is the picture; the bust only ghosts over it
        figure.putalpha(figure.getchannel("A").point(lambda a: a * 3 // 10))
    image = Image.alpha_composite(image.convert("RGBA"), figure)
    _card(image, prompt, tags, seed, hue, reference is not None)
    out = io.BytesIO()
    image.convert("RGB").save(out, "PNG", optimize=False, compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()


def _background(w: int, h: int, hue: float, rng: random.Random) -> Image.Image:
    """A vertical gradient with a soft glow and bokeh, painted at 1/8 size, blurred and scaled up.

    Everything here is smooth, so painting it small is both the blur and the speed-up.
    """
    sw, sh = max(8, w // 8), max(8, h // 8)
    top, bottom = hsv(hue, 0.55, 0.30), hsv(hue + 0.07, 0.40, 0.82)
    mask = Image.linear_gradient("L").resize((sw, sh), Image.Resampling.BILINEAR)
    small = Image.composite(Image.new("RGB", (sw, sh), bottom), Image.new("RGB", (sw, sh), top), mask)
    draw = ImageDraw.Draw(small, "RGBA")
    draw.ellipse((sw * 0.15, sh * 0.10, sw * 0.85, sh * 0.70), fill=hsva(hue + 0.5, 0.25, 1.0, 70))
    for _ in range(9):
        r = rng.uniform(0.03, 0.09) * sw
        x, y = rng.uniform(0, sw), rng.uniform(0, sh * 0.8)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=hsva(hue + rng.uniform(-0.15, 0.15), 0.3, 1.0, 50))
    small = small.filter(ImageFilter.GaussianBlur(sw / 60))
    return small.resize((w, h), Image.Resampling.BICUBIC)


def _fit_reference(reference: bytes, w: int, h: int) -> Image.Image:
    try:
        ref = Image.open(io.BytesIO(reference))
        ref.draft("RGB", (w, h))  # JPEG decodes at a reduced scale when it can: faster, same result each time
        ref = ImageOps.exif_transpose(ref).convert("RGB")
    except Exception as exc:  # any decoder failure is one thing to the caller: an unreadable reference
        raise ValueError(f"The reference image could not be read ({type(exc).__name__})") from None
    return ImageOps.posterize(ImageOps.fit(ref, (w, h), Image.Resampling.BILINEAR), 4)


def _figure(w: int, h: int, looks: Looks, rng: random.Random) -> Image.Image:
    """The bust on a transparent layer, drawn at 2x and reduced so the edges are smooth."""
    s = 2
    layer = Image.new("RGBA", (w * s, h * s), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer, "RGBA")  # "RGBA" blends translucent fills (blush) instead of punching holes
    u = w * s  # geometry follows the width so a tall canvas just gets more background
    hx, hy, rx, ry = u * 0.5, h * s * 0.40, u * 0.125, u * 0.155
    hair, eyes, skin, outfit = looks.hair, looks.eyes, looks.skin, looks.outfit
    hair_dark, skin_dark, line = shade(hair, 0.7), shade(skin, 0.82), max(2, u // 300)
    shoulders = hy + ry + u * 0.05
    if looks.long_hair:
        d.rounded_rectangle((hx - rx * 1.35, hy - ry * 1.1, hx + rx * 1.35, shoulders + u * 0.16),
                            radius=int(rx), fill=hair, outline=hair_dark, width=line)
    else:
        d.ellipse((hx - rx * 1.18, hy - ry * 1.16, hx + rx * 1.18, hy + ry * 0.75), fill=hair,
                  outline=hair_dark, width=line)
    d.rectangle((hx - u * 0.05, hy + ry * 0.6, hx + u * 0.05, shoulders + u * 0.02), fill=skin_dark)
    body_bottom = h * s + u * 0.25  # the torso runs off the bottom edge whatever the aspect ratio
    d.rounded_rectangle((hx - u * 0.33, shoulders, hx + u * 0.33, max(body_bottom, shoulders + u * 0.4)),
                        radius=int(u * 0.2), fill=outfit, outline=shade(outfit, 0.6), width=line)
    d.polygon([(hx - u * 0.07, shoulders + u * 0.005), (hx + u * 0.07, shoulders + u * 0.005),
               (hx, shoulders + u * 0.11)], fill=skin_dark)
    if looks.necklace:
        d.arc((hx - u * 0.075, shoulders - u * 0.06, hx + u * 0.075, shoulders + u * 0.05), 20, 160,
              fill=COLOURS["gold"], width=line * 2)
    d.ellipse((hx - rx, hy - ry, hx + rx, hy + ry), fill=skin, outline=skin_dark, width=line)
    d.chord((hx - rx * 1.1, hy - ry * 1.12, hx + rx * 1.1, hy + ry * 0.05), 180, 360, fill=hair)
    d.pieslice((hx - rx * 1.1, hy - ry * 1.12, hx + rx * 0.2, hy + ry * 0.05), 180, 250, fill=hair)
    if looks.long_hair:
        for side in (-1, 1):
            x0 = hx + side * rx * 0.92
            d.rounded_rectangle((min(x0, x0 + side * rx * 0.42), hy - ry * 0.4, max(x0, x0 + side * rx * 0.42),
                                 shoulders + u * 0.12), radius=int(rx * 0.2), fill=hair)
    ey, ex, ew, eh = hy + ry * 0.08, rx * 0.42, rx * 0.24, rx * 0.15
    for side in (-1, 1):
        cx = hx + side * ex
        d.arc((cx - ew * 1.1, ey - eh * 3.0, cx + ew * 1.1, ey - eh * 0.6), 200, 340, fill=hair_dark, width=line * 3)
        d.ellipse((cx - ew, ey - eh, cx + ew, ey + eh), fill=(250, 250, 250), outline=skin_dark, width=line)
        d.ellipse((cx - eh, ey - eh, cx + eh, ey + eh), fill=eyes)
        d.ellipse((cx - eh * 0.45, ey - eh * 0.45, cx + eh * 0.45, ey + eh * 0.45), fill=(20, 20, 24))
        d.ellipse((cx + eh * 0.1, ey - eh * 0.6, cx + eh * 0.45, ey - eh * 0.25), fill=(255, 255, 255))
        d.ellipse((cx - ew, ey + eh * 2.0, cx + ew, ey + eh * 3.2), fill=(235, 120, 130, 70))
    d.line((hx, ey + eh * 1.2, hx - rx * 0.06, ey + eh * 3.0), fill=skin_dark, width=line)
    d.arc((hx - rx * 0.28, ey + eh * 2.6, hx + rx * 0.28, ey + eh * 4.4), 20, 160, fill=(170, 70, 80), width=line * 2)
    if looks.freckles:
        for _ in range(14):
            fx, fy = hx + rng.uniform(-rx * 0.6, rx * 0.6), ey + rng.uniform(eh * 1.4, eh * 3.0)
            d.ellipse((fx - line, fy - line, fx + line, fy + line), fill=shade(skin, 0.7))
    if looks.glasses:
        for side in (-1, 1):
            cx = hx + side * ex
            d.ellipse((cx - ew * 1.3, ey - ew * 1.1, cx + ew * 1.3, ey + ew * 1.1), outline=(40, 40, 44),
                      width=line * 2)
        d.line((hx - ex + ew * 1.3, ey, hx + ex - ew * 1.3, ey), fill=(40, 40, 44), width=line * 2)
    return layer.reduce(s)


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _wrap(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float, lines: int) -> list[str]:
    """Greedy word wrap to at most ``lines`` lines; the last one ends with an ellipsis when text remains."""
    out: list[str] = []
    current = ""
    words = text.split()
    for i, word in enumerate(words):
        candidate = f"{current} {word}".strip()
        if font.getlength(candidate) <= width or not current:
            current = candidate
            continue
        out.append(current)
        current = word
        if len(out) == lines:
            last = out[-1]
            while last and font.getlength(last + " …") > width:
                last = last[:-1]
            out[-1] = last.rstrip() + " …" if words[i:] else last
            return out
    if current:
        out.append(current)
    return out[:lines]


def _card(image: Image.Image, prompt: str, tags: tuple[str, ...], seed: int, hue: float, i2i: bool) -> None:
    """Frame, the small "Offline preview" badge, and a caption panel (tags, prompt) sized to its text."""
    w, h = image.size
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(overlay)
    pad = w // 40
    d.rounded_rectangle((pad, pad, w - pad, h - pad), radius=pad * 2, outline=hsva(hue + 0.5, 0.3, 1.0, 150),
                        width=max(2, w // 256))
    sizes = {"small": max(14, w // 48), "body": max(16, w // 40), "title": max(22, w // 26)}
    fonts = {name: _font(size) for name, size in sizes.items()}
    badge = f"Offline preview{' · from reference' if i2i else ''} · seed {seed}"
    d.rounded_rectangle((pad * 2, pad * 2, pad * 3 + fonts["small"].getlength(badge), pad * 2.8 + sizes["small"]),
                        radius=pad // 2, fill=(0, 0, 0, 120))
    d.text((pad * 2.5, pad * 2.4), badge, font=fonts["small"], fill=(235, 235, 240, 230))
    text_w = w - pad * 6
    rows: list[tuple[str, str, tuple[int, int, int, int]]] = []
    rows += [("title", line, (255, 255, 255, 255)) for line in _wrap(" · ".join(tags[:3]) or "Portrait",
                                                                     fonts["title"], text_w, 1)]
    rows += [("body", line, (220, 220, 230, 255)) for line in _wrap(" · ".join(tags[3:]), fonts["body"], text_w, 2)]
    rows += [("small", line, (180, 180, 196, 255)) for line in _wrap(prompt, fonts["small"], text_w, 2)]
    height = sum(sizes[kind] * 1.3 for kind, _, _ in rows)
    top = h - pad * 3.6 - height
    d.rounded_rectangle((pad * 2, top, w - pad * 2, h - pad * 2), radius=pad, fill=(12, 12, 18, 170))
    y = top + pad * 0.8
    for kind, line, colour in rows:
        d.text((pad * 3, y), line, font=fonts[kind], fill=colour)
        y += sizes[kind] * 1.3
    image.alpha_composite(overlay)


