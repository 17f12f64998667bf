"""The parts of a face that carry an expression: brows, eyes, mouth, blush, tears, and the symbols
(anger mark, question mark, hearts...) that make a sprite read at thumbnail size.

Pure geometry on a Pillow ``ImageDraw`` at the renderer's supersampled scale; every size derives from
:class:`Head`, so the same face parameters draw the same expression at any canvas size. What each
label looks like is data in :mod:`core.render.expression_faces`; this module only draws it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from core.render.expression_faces import Brows, Extras, Eyes, Mouth, Symbol
from core.render.palette import RGB, RGBA

WHITE: RGBA = (252, 252, 252, 255)
INK: RGBA = (28, 24, 34, 255)
MOUTH_INSIDE: RGBA = (96, 30, 42, 255)
TONGUE: RGBA = (222, 104, 118, 255)
TEAR: RGBA = (120, 190, 255, 200)
TEAR_EDGE: RGBA = (60, 130, 220, 230)
Point = tuple[float, float]


@dataclass(frozen=True)
class Head:
    """Where the face's parts sit: centre (hx, hy), half-width u, half-height ry, and a line unit."""

    hx: float
    hy: float
    u: float
    ry: float
    line: float

    @property
    def ey(self) -> float:
        return self.hy + 0.08 * self.u

    @property
    def ex(self) -> float:  # eye centre offset from the middle
        return 0.40 * self.u

    @property
    def ew(self) -> float:  # eye half-width
        return 0.25 * self.u

    @property
    def eh(self) -> float:  # eye half-height at open=1
        return 0.175 * self.u

    @property
    def my(self) -> float:  # mouth centre
        return self.ey + 0.64 * self.u


@dataclass(frozen=True)
class Colours:
    skin: RGB
    skin_dark: RGB
    brow: RGB
    iris: RGB
    lips: RGB


@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


class _Clipped:
    """A small canvas over ``box`` whose paint shows only inside ``outline`` (the lids, the lips).

    Drawn in the layer's coordinates; only the box is allocated, not a whole supersampled layer.
    """

    def __init__(self, box: tuple[int, int, int, int], outline: list[Point]) -> None:
        self.box = box
        size = (box[2] - box[0], box[3] - box[1])
        self.mask = Image.new("L", size, 0)
        ImageDraw.Draw(self.mask).polygon(self._shift(outline), fill=255)
        self.image = Image.new("RGBA", size, (0, 0, 0, 0))
        self.draw = ImageDraw.Draw(self.image, "RGBA")

    def _shift(self, points: list[Point]) -> list[Point]:
        return [(x - self.box[0], y - self.box[1]) for x, y in points]

    def _shift_box(self, xy: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = xy
        return (x0 - self.box[0], y0 - self.box[1], x1 - self.box[0], y1 - self.box[1])

    def polygon(self, points: list[Point], **kw: object) -> None:
        self.draw.polygon(self._shift(points), **kw)  # type: ignore[arg-type]

    def line(self, points: list[Point], **kw: object) -> None:
        self.draw.line(self._shift(points), **kw)  # type: ignore[arg-type]

    def ellipse(self, xy: tuple[float, float, float, float], **kw: object) -> None:
        self.draw.ellipse(self._shift_box(xy), **kw)  # type: ignore[arg-type]

    def paste_into(self, layer: Image.Image) -> None:
        region = layer.crop(self.box)
        region.paste(self.image, (0, 0), self.mask)
        layer.paste(region, self.box[:2])


def draw_brows(d: ImageDraw.ImageDraw, head: Head, brows: Brows, colours: Colours) -> None:
    """Two thick strokes: ``lift`` moves them, ``tilt`` raises (worry) or drops (anger) the inner ends."""
    for side in (-1, 1):
        cx = head.hx + side * head.ex
        base = head.ey - head.eh - 0.24 * head.u - brows.lift * head.eh * 0.9
        if side == 1:
            base -= brows.asym * head.eh * 0.9
        inner = (cx - side * head.ew * 1.05, base - brows.tilt * 0.17 * head.u)
        outer = (cx + side * head.ew * 1.15, base + brows.tilt * 0.05 * head.u + 0.04 * head.u)
        middle = ((inner[0] + outer[0]) / 2, (inner[1] + outer[1]) / 2 - 0.05 * head.u)
        d.line([inner, middle, outer], fill=colours.brow, width=round(head.line * 6.5), joint="curve")
        for end in (inner, outer):
            r = head.line * 3.1
            d.ellipse((end[0] - r, end[1] - r, end[0] + r, end[1] + r), fill=colours.brow)


def draw_eyes(layer: Image.Image, head: Head, eyes: Eyes, colours: Colours) -> None:
    """Both eyes: open (white, iris, pupil, highlights inside the lids) or closed (an arc)."""
    d = ImageDraw.Draw(layer, "RGBA")
    for side in (-1, 1):
        cx = head.hx + side * head.ex
        if eyes.open <= 0.05:
            _closed_eye(d, head, cx, eyes.closed_curve)
        else:
            _open_eye(layer, head, cx, side, eyes, colours)


def _closed_eye(d: ImageDraw.ImageDraw, head: Head, cx: float, curve: float) -> None:
    ew, eh, ey, width = head.ew, head.eh, head.ey, round(head.line * 4)
    if curve >= 0:  # a happy arch: the closed eye of a beaming smile
        d.arc((cx - ew, ey - eh * 0.7, cx + ew, ey + eh * 1.3), 200, 340, fill=INK, width=width)
    else:  # a calm curve with lashes: relief, grief
        d.arc((cx - ew, ey - eh * 1.2, cx + ew, ey + eh * 0.6), 20, 160, fill=INK, width=width)
        for t in (-0.6, 0.0, 0.6):
            x, y = cx + t * ew * 0.8, ey + eh * 0.55 - abs(t) * eh * 0.35
            d.line([(x, y), (x + t * eh * 0.4, y + eh * 0.45)], fill=INK, width=round(head.line * 2))


def _open_eye(layer: Image.Image, head: Head, cx: float, side: int, eyes: Eyes, colours: Colours) -> None:
    """The eye's outline clipped by the lids; the iris keeps its size, so wide eyes show white around it."""
    ew, eh0, ey = head.ew, head.eh, head.ey
    eh = eh0 * eyes.open
    top: list[Point] = []
    bottom: list[Point] = []
    steps = 24
    for i in range(steps + 1):
        t = -1 + 2 * i / steps
        x = cx + t * ew
        half = eh * math.sqrt(max(0.0, 1 - t * t))
        inner = -t * side  # 1 at the inner corner, -1 at the outer
        lid = ey - half
        if eyes.lid_tilt > 0:
            lid = max(lid, ey - eh + eyes.lid_tilt * eh * 1.1 * (inner + 1) / 2)
        elif eyes.lid_tilt < 0:
            lid = max(lid, ey - eh - eyes.lid_tilt * eh * 1.1 * (1 - inner) / 2)
        low = min(ey + half, ey + eh - eyes.lower * 2 * eh * (1 - t * t))
        if lid < low:
            top.append((x, lid))
            bottom.append((x, low))
    if len(top) < 2:
        _closed_eye(ImageDraw.Draw(layer, "RGBA"), head, cx, 1.0)
        return
    outline = top + bottom[::-1]
    box = (int(cx - ew * 1.3), int(ey - eh0 * 2), int(cx + ew * 1.3) + 1, int(ey + eh0 * 2) + 1)
    di = _Clipped(box, outline)
    di.polygon(outline, fill=WHITE)
    ri = eh0 * 0.95 * (0.75 + 0.25 * eyes.pupil)
    gx, gy = eyes.gaze
    ix, iy = cx + gx * (ew - ri) * 0.95, ey + gy * eh0 * 0.55
    iris_dark = tuple(max(0, c - 60) for c in colours.iris)
    di.ellipse((ix - ri, iy - ri, ix + ri, iy + ri), fill=(*colours.iris, 255), outline=(*iris_dark, 255),
               width=round(head.line * 1.5))
    rp = ri * 0.48 * eyes.pupil
    di.ellipse((ix - rp, iy - rp, ix + rp, iy + rp), fill=INK)
    if eyes.sparkle:
        _star(di, (ix + ri * 0.25, iy - ri * 0.3), ri * 0.55, WHITE)
        _star(di, (ix - ri * 0.4, iy + ri * 0.35), ri * 0.25, WHITE)
    else:
        hr = ri * 0.28
        di.ellipse((ix + ri * 0.15, iy - ri * 0.55, ix + ri * 0.15 + hr * 2, iy - ri * 0.55 + hr * 2), fill=WHITE)
    di.paste_into(layer)
    d = ImageDraw.Draw(layer, "RGBA")
    d.line(top, fill=INK, width=round(head.line * 4), joint="curve")
    d.line(bottom, fill=(*colours.skin_dark, 255), width=round(head.line * 1.5), joint="curve")
    outer_corner = top[-1] if side == 1 else top[0]  # a lash flick at the outer corner
    d.line([outer_corner, (outer_corner[0] + side * ew * 0.25, outer_corner[1] - eh0 * 0.35)], fill=INK,
           width=round(head.line * 3))


def draw_mouth(layer: Image.Image, head: Head, mouth: Mouth, colours: Colours) -> None:
    """A line, an open mouth (teeth and tongue inside), clenched teeth, or an O."""
    d = ImageDraw.Draw(layer, "RGBA")
    mx, my, w, depth = head.hx, head.my, mouth.width * head.u, 0.22 * head.u
    lips = (*colours.lips, 255)
    if mouth.kind == "o":
        rw = max(w, 0.08 * head.u)
        rh = 0.06 * head.u + mouth.open * 0.26 * head.u
        d.ellipse((mx - rw, my - rh * 0.6, mx + rw, my + rh * 1.4), fill=MOUTH_INSIDE, outline=lips,
                  width=round(head.line * 2.5))
        return

    def base(t: float) -> float:
        return (my - mouth.curve * depth * t * t - mouth.skew * depth * 0.6 * t
                + mouth.wave * depth * 0.3 * math.sin(3 * math.pi * t) + mouth.curve * depth * 0.35)

    steps = 24
    ts = [-1 + 2 * i / steps for i in range(steps + 1)]
    upper = [(mx + t * w, base(t) - mouth.open * depth * 0.15 * (1 - t * t)) for t in ts]
    if mouth.kind == "line" or mouth.open <= 0.02:
        d.line(upper, fill=lips, width=round(head.line * 4.5), joint="curve")
        return
    lower = [(mx + t * w, base(t) + mouth.open * depth * 1.9 * (1 - t * t) ** 0.8) for t in ts]
    outline = upper + lower[::-1]
    box = (int(mx - w - head.u * 0.1), int(my - depth * 2.5), int(mx + w + head.u * 0.1) + 1, int(my + depth * 3) + 1)
    di = _Clipped(box, outline)
    if mouth.kind == "teeth":  # clenched: teeth from lip to lip, a line between the rows
        di.polygon(outline, fill=WHITE)
        middle = [(x, (yu + yl) / 2) for (x, yu), (_, yl) in zip(upper, lower, strict=True)]
        di.line(middle, fill=(150, 140, 150, 255), width=round(head.line * 1.5))
    else:
        di.polygon(outline, fill=MOUTH_INSIDE)
        if mouth.open >= 0.3:
            teeth = [(x, yu + (yl - yu) * 0.3) for (x, yu), (_, yl) in zip(upper, lower, strict=True)]
            di.polygon(upper + teeth[::-1], fill=WHITE)
        if mouth.open >= 0.5:
            tx, ty = mx, lower[len(lower) // 2][1]
            di.ellipse((tx - w * 0.5, ty - depth * mouth.open * 0.8, tx + w * 0.5, ty + depth * 0.3), fill=TONGUE)
    di.paste_into(layer)
    d = ImageDraw.Draw(layer, "RGBA")
    d.line(outline + [outline[0]], fill=lips, width=round(head.line * 2.5), joint="curve")


def draw_cheeks(d: ImageDraw.ImageDraw, head: Head, extras: Extras) -> None:
    """Blush (with hatch lines when embarrassed), tears, shadow lines and a wrinkled nose."""
    u, ey = head.u, head.ey
    if extras.blush > 0:
        alpha = round(60 + 120 * min(extras.blush, 1.0))
        for side in (-1, 1):
            cx, cy = head.hx + side * 0.52 * u, ey + 0.36 * u
            d.ellipse((cx - 0.22 * u, cy - 0.1 * u, cx + 0.22 * u, cy + 0.1 * u), fill=(240, 96, 118, alpha))
            if extras.blush_lines:
                for k in (-1, 0, 1):
                    x = cx + k * 0.1 * u
                    d.line([(x + 0.04 * u, cy - 0.07 * u), (x - 0.04 * u, cy + 0.07 * u)], fill=(200, 50, 80, 230),
                           width=round(head.line * 2))
    if extras.gloom:
        for k in range(5):
            x = head.hx + (k - 2) * 0.16 * u
            top = head.hy - 0.5 * u
            d.line([(x, top), (x, top + (0.22 + 0.06 * (k % 2)) * u)], fill=(96, 84, 170, 150),
                   width=round(head.line * 2.5))
    if extras.nose_wrinkle:
        for side in (-1, 1):
            for k in range(2):
                x, y = head.hx + side * (0.1 + 0.05 * k) * u, ey + (0.05 + 0.07 * k) * u
                d.arc((x - 0.06 * u, y - 0.04 * u, x + 0.06 * u, y + 0.04 * u), 200 if side < 0 else 270,
                      270 if side < 0 else 340, fill=(*_dark(INK), 200), width=round(head.line * 1.5))
    if extras.tears == "streams":
        for side in (-1, 1):
            x0, y0 = head.hx + side * head.ex, ey + head.eh * 0.6
            left = [(x0 - 0.07 * u + 0.03 * u * math.sin(k), y0 + k * 0.13 * u) for k in range(7)]
            right = [(x + 0.14 * u, y) for x, y in left]
            d.polygon(left + right[::-1], fill=TEAR, outline=TEAR_EDGE)
    elif extras.tears == "drop":
        tear(d, (head.hx - head.ex - head.ew * 0.6, ey + head.eh * 1.6), 0.09 * u)


def draw_nose(d: ImageDraw.ImageDraw, head: Head, colours: Colours) -> None:
    u = head.u
    x, y = head.hx, head.ey + 0.36 * u
    d.arc((x - 0.07 * u, y - 0.06 * u, x + 0.07 * u, y + 0.04 * u), 30, 150, fill=colours.skin_dark,
          width=round(head.line * 2.5))


def tear(d: ImageDraw.ImageDraw, at: Point, r: float, fill: RGBA = TEAR) -> None:
    """A drop: a circle with a point on top (tears, sweat)."""
    x, y = at
    d.polygon([(x, y - r * 2.2), (x - r * 0.9, y - r * 0.3), (x + r * 0.9, y - r * 0.3)], fill=fill)
    d.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=TEAR_EDGE, width=max(1, round(r / 6)))
    d.ellipse((x - r * 0.45, y - r * 0.5, x - r * 0.05, y - r * 0.1), fill=(255, 255, 255, 220))


def draw_symbols(d: ImageDraw.ImageDraw, head: Head, symbols: tuple[Symbol, ...], colours: Colours) -> None:
    """Manga marks beside the head; they are what still reads when the sprite is a thumbnail."""
    u = head.u
    ax, ay = head.hx + 1.2 * u, head.hy - 0.95 * u
    for symbol in symbols:
        if symbol == "anger":
            _anger_mark(d, (ax, ay), 0.26 * u, head.line * 1.3)
        elif symbol in ("question", "exclaim"):
            text = "?" if symbol == "question" else "!"
            size = round(1.0 * u)
            d.text((ax, ay), text, font=font(size), fill=INK, anchor="mm", stroke_width=round(head.line * 3),
                   stroke_fill=WHITE)
        elif symbol == "bulb":
            r = 0.26 * u
            for k in range(7):
                a = math.pi * (1.1 + 0.8 * k / 6)
                d.line([(ax + math.cos(a) * r * 1.4, ay + math.sin(a) * r * 1.4),
                        (ax + math.cos(a) * r * 2.0, ay + math.sin(a) * r * 2.0)], fill=(250, 200, 40, 255),
                       width=round(head.line * 2.5))
            d.ellipse((ax - r, ay - r, ax + r, ay + r), fill=(255, 228, 90, 255), outline=INK,
                      width=round(head.line * 1.5))
            d.rectangle((ax - r * 0.45, ay + r * 0.9, ax + r * 0.45, ay + r * 1.5), fill=(150, 150, 160, 255),
                        outline=INK, width=round(head.line))
        elif symbol == "heart":
            _heart(d, (ax, ay), 0.27 * u)
            _heart(d, (ax + 0.36 * u, ay + 0.5 * u), 0.15 * u)
        elif symbol == "sparkles":
            _star(d, (ax, ay), 0.3 * u, (255, 206, 50, 255))
            _star(d, (ax + 0.34 * u, ay + 0.42 * u), 0.16 * u, (255, 206, 50, 255))
            _star(d, (head.hx - 1.25 * u, head.hy - 0.7 * u), 0.2 * u, (255, 206, 50, 255))
        elif symbol == "sigh":
            cx, cy = head.hx + 0.95 * u, head.my + 0.05 * u
            for k, r in enumerate((0.09, 0.12, 0.15)):
                x = cx + k * 0.2 * u
                d.ellipse((x - r * u, cy - r * u, x + r * u, cy + r * u), fill=(225, 232, 245, 220),
                          outline=(150, 160, 190, 230), width=round(head.line * 1.5))


def draw_sweat(d: ImageDraw.ImageDraw, head: Head) -> None:
    tear(d, (head.hx + 0.95 * head.u, head.hy - 0.3 * head.u), 0.1 * head.u, (170, 215, 255, 235))


def _anger_mark(d: ImageDraw.ImageDraw, at: Point, r: float, line: float) -> None:
    x, y = at
    quarters = (((-1, -1), 0, 90), ((1, -1), 90, 180), ((1, 1), 180, 270), ((-1, 1), 270, 360))
    for (sx, sy), start, end in quarters:
        cx, cy = x + sx * r * 1.05, y + sy * r * 1.05
        box = (cx - r, cy - r, cx + r, cy + r)
        d.arc(box, start, end, fill=(120, 10, 20, 255), width=round(line * 6))
        d.arc(box, start, end, fill=(230, 40, 50, 255), width=round(line * 3.5))


def _heart(d: ImageDraw.ImageDraw, at: Point, r: float) -> None:
    x, y = at
    pink = (236, 64, 110, 255)
    d.ellipse((x - r, y - r * 0.8, x, y + r * 0.2), fill=pink)
    d.ellipse((x, y - r * 0.8, x + r, y + r * 0.2), fill=pink)
    d.polygon([(x - r * 0.97, y - r * 0.15), (x + r * 0.97, y - r * 0.15), (x, y + r * 1.1)], fill=pink)


def _star(d: ImageDraw.ImageDraw | _Clipped, at: Point, r: float, fill: RGBA) -> None:
    """A four-point sparkle."""
    x, y = at
    k = r * 0.28
    d.polygon([(x, y - r), (x + k, y - k), (x + r, y), (x + k, y + k), (x, y + r), (x - k, y + k), (x - r, y),
               (x - k, y - k)], fill=fill)


def _dark(colour: RGBA) -> RGB:
    return colour[0], colour[1], colour[2]
