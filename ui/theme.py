"""The studio's design in one place: colours, spacing and type, light and dark.

NiceGUI's own website keeps its design in one file; so does the studio. Components never name a colour:
they use the classes below (defined in ``ui/static/theme.css`` with CSS custom properties for the light
and the dark theme) or Quasar's brand names (``primary``, ``negative``, …), whose values are set here.

Every brand colour carries white text at 4.5:1 or more and, on the light surfaces, reads as text at
4.5:1 too; on the dark surfaces a brand colour used as *text* is swapped for a lighter shade of it
(theme.css), since no single shade passes against both white and near-black.

The theme follows the operating system (``prefers-color-scheme``) unless the person picks dark or light
with the header's toggle; the choice is kept in ``app.storage.user``, so every page opens in it.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Literal, cast

from nicegui import app, ui
from nicegui.client import Client

STATIC = Path(__file__).resolve().parent / "static"
THEME_CSS = STATIC / "theme.css"
FOCUS_CSS = STATIC / "focus.css"  # focus rings (keyboard use); loaded on every page when present

# Brand colours (Quasar names). Contrast with white text: primary 5.2, secondary 5.5, accent 7.0,
# positive 5.0, negative 6.5, info 5.4, warning 5.0 (measured with WCAG's formula).
PALETTE: dict[str, str] = {
    "primary": "#2563eb",
    "secondary": "#0f766e",
    "accent": "#7e22ce",
    "positive": "#15803d",
    "negative": "#b91c1c",
    "info": "#0e7490",
    "warning": "#b45309",
    "dark": "#1d1d1d",  # Quasar's dark surface (cards, menus, dialogs)
    "dark_page": "#121212",  # the dark page background
}

# Theme colours: Quasar custom colours whose values are theme.css's custom properties, so one name is
# right in both themes. Use them as any Quasar colour: ``color="placeholder"`` on an icon, or the
# classes ``text-muted`` / ``bg-sunken`` that NiceGUI generates for them.
TOKENS: dict[str, str] = {
    "surface": "var(--studio-surface)",  # headers, footers, bars: the page's raised plane
    "sunken": "var(--studio-sunken)",  # where an image goes before there is one; tag chips
    "notice": "var(--studio-notice)",  # a card that must be noticed (a token shown once, a conflict)
    "on_surface": "var(--studio-text)",  # body text on any of the planes above
    "muted": "var(--studio-muted)",  # secondary text: hints, captions, empty states
    "placeholder": "var(--studio-placeholder)",  # the icon standing in for a missing image
    "scrim": "var(--studio-scrim)",  # a dark veil over an image, under white controls
    "viewer": "var(--studio-viewer)",  # the full-screen image viewer: dark in both themes
    "on_scrim": "var(--studio-on-scrim)",  # text and icons on an image, the scrim or the viewer
    "neutral": "#5f6368",  # a grey badge: white text on it is 6.1:1 in both themes
    "star": "#fbbf24",  # the primary portrait's star, drawn on the image in both themes
}

# Class strings built from them.
SURFACE = "bg-surface text-on-surface"
BAR = "bg-surface text-on-surface border-divider"  # with border-b / border-t: its dividing line
MUTED = "text-muted"
SUNKEN = "bg-sunken"
VIEWER = "bg-viewer text-on-scrim"

# Spacing and type.
PAGE = "w-full max-w-6xl mx-auto p-3 sm:p-4 gap-3"  # a page's main column
NARROW_PAGE = "w-full max-w-2xl mx-auto p-4 gap-4"
HEADER = "shadow-sm px-3 py-2 items-center gap-2 no-wrap"
PAGE_TITLE = "text-xl font-semibold"
SECTION_TITLE = "text-lg font-semibold"
CAPTION = "text-xs text-muted"
HINT = "text-sm text-muted"

Mode = Literal["auto", "dark", "light"]
MODES: tuple[Mode, ...] = ("auto", "dark", "light")  # the toggle's cycle
MODE_LABELS: dict[Mode, str] = {"auto": "automatic (follows the system)", "dark": "dark", "light": "light"}
MODE_ICONS: dict[Mode, str] = {"auto": "brightness_auto", "dark": "dark_mode", "light": "light_mode"}
_DARK_VALUE: dict[Mode, bool | None] = {"auto": None, "dark": True, "light": False}
STORAGE_KEY = "theme"

_dark_modes: weakref.WeakKeyDictionary[Client, ui.dark_mode] = weakref.WeakKeyDictionary()


def configure() -> None:
    """App-wide, once: what every page's Quasar shares. Its loading bar (the thin line at the top while
    a request runs) is a progressbar, and one without a name is a screen-reader riddle."""
    app.config.quasar_config.setdefault("loadingBar", {})["aria-label"] = "Loading"


def apply() -> None:
    """Give this page the theme: colours, the page-wide CSS and the person's light/dark choice.

    Every page calls it once, first thing, so nothing renders in another theme first."""
    ui.colors(**PALETTE, **TOKENS)
    ui.add_css(THEME_CSS)
    if FOCUS_CSS.is_file():
        ui.add_css(FOCUS_CSS)
    _dark_modes[ui.context.client] = ui.dark_mode(_DARK_VALUE[current_mode()])


def current_mode() -> Mode:
    """The person's choice, ``auto`` until they make one (or if what is stored is not a mode)."""
    stored = app.storage.user.get(STORAGE_KEY, "auto")
    return cast(Mode, stored) if stored in MODES else "auto"


def next_mode(mode: Mode) -> Mode:
    return MODES[(MODES.index(mode) + 1) % len(MODES)]


def set_mode(mode: Mode) -> None:
    """Remember ``mode`` for this person and show it on this page at once."""
    app.storage.user[STORAGE_KEY] = mode
    dark = _dark_modes.get(ui.context.client)
    if dark is not None:
        dark.set_value(_DARK_VALUE[mode])


def mode_label(mode: Mode) -> str:
    """What the toggle says: the current mode, and that pressing it changes it."""
    return f"Theme: {MODE_LABELS[mode]}. Switch to {MODE_LABELS[next_mode(mode)].split(' ')[0]}"
