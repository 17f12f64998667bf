"""One expression's tile: the chosen image (or what the label is waiting for), its label, its images.

A tile redraws only itself (:meth:`ExpressionTile.show`) when its label changes, so a set filling
label by label costs one small tile per event, not the grid. It is a handful of elements: the
picture (an image, or the state with a spinner, or the failure with Retry), the background badge,
the menu button (the menu is built when first opened), the caption, and a strip of the other images
only when there are some. Transparent images sit on a checkerboard (``expressions.css``), so a
person can tell them from a plain background at a glance.
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from core.expressions.views import ImageView, LabelView
from ui.components.activate import button_like
from ui.components.confirm_dialog import confirm
from ui.expression_state import ExpressionActions

STRIP_MAX = 4  # thumbnails in a tile's strip; the lightbox shows every image
WAITING = {"pending": "Waiting", "generating": "Generating…", "cancelled": "Cancelled", "failed": "Failed",
           "completed": "No image"}


def image_count(view: LabelView) -> str:
    count = len(view.images)
    return f"{count} image{'' if count == 1 else 's'}"


def background_badge(image: ImageView, *, classes: str = "") -> ui.badge:
    """"transparent" or "plain": which background this image has."""
    return ui.badge(image.background, color="neutral").classes(f"text-xs {classes}") \
        .props(f'data-testid="expression-background" aria-label="{image.background} background"') \
        .mark("expression-background")


class ExpressionTile(ui.element):
    def __init__(self, view: LabelView, actions: ExpressionActions, on_open: Callable[[str], None],
                 on_upload: Callable[[str], None]) -> None:
        super().__init__("div")
        self.label = view.label
        self.actions = actions
        self.on_open = on_open
        self.on_upload = on_upload
        self.classes("expression-tile column no-wrap gap-1 rounded-lg bg-surface border border-divider p-1")
        self.props(f'data-testid="expression-tile" data-label="{view.label}"')
        self.mark("expression-tile", f"expression-{view.label}")
        self.show(view)

    def show(self, view: LabelView) -> None:
        """Draw the label as it is now (its state, chosen image and alternatives)."""
        self.view = view
        self._menu: ui.menu | None = None
        self.props(f'data-status="{view.status}"')
        self.clear()
        with self:
            self._picture(view)
            with ui.row().classes("w-full items-center justify-between no-wrap gap-1 px-1"):
                ui.label(view.label).classes("text-sm font-medium ellipsis").props(f'title="{view.label}"') \
                    .mark("expression-caption")
                with ui.row().classes("items-center gap-0.5 shrink-0 no-wrap text-muted") \
                        .props(f'title="{image_count(view)}" aria-label="{image_count(view)}"'):
                    ui.icon("photo_library", size="14px").props('aria-hidden="true"')
                    ui.label(str(len(view.images))).classes("text-xs").mark("expression-count")
            if len(view.images) > 1:
                self._strip(view)

    def _picture(self, view: LabelView) -> None:
        chosen = view.chosen
        checker = " expr-checker" if chosen and chosen.background == "transparent" else ""
        with ui.element("div").classes(f"relative w-full aspect-square rounded overflow-hidden bg-sunken{checker}"):
            if chosen is not None:
                image = ui.element("img").props(
                    f'src="{chosen.thumbnail_url or chosen.image_url}" loading=lazy decoding=async '
                    f'alt="{view.label}" data-testid="expression-image"') \
                    .classes("w-full h-full object-contain cursor-pointer").mark("expression-image") \
                    .on("click", lambda: self.on_open(self.label))
                button_like(image, f"Open the expression {view.label}", lambda: self.on_open(self.label))
                background_badge(chosen, classes="absolute top-1 left-1")
            if chosen is None or view.status in ("generating", "pending", "failed"):
                self._state(view, over_image=chosen is not None)
            self._menu_button = ui.button(icon="more_vert", on_click=self._open_menu) \
                .props(f'round dense flat size=sm color=on-scrim aria-label="Actions for {view.label}" '
                       'data-testid="expression-menu"') \
                .classes("absolute top-1 right-1 bg-scrim").mark("expression-menu")

    def _state(self, view: LabelView, *, over_image: bool) -> None:
        """What the label waits for: on the sunken plane, or over the image a new take will replace."""
        veil = "bg-scrim text-on-scrim" if over_image else "text-muted"
        with ui.column().classes(f"absolute-full items-center justify-center gap-1 p-2 text-center {veil}") \
                .props('aria-live="polite"').mark("expression-state"):
            if view.status == "generating":
                ui.spinner(size="md", color="on-scrim" if over_image else "primary")
            elif view.status == "failed":
                ui.icon("error_outline", size="md", color="negative" if not over_image else "on-scrim")
            elif not over_image:
                ui.icon("hourglass_empty" if view.status == "pending" else "face", size="md", color="placeholder")
            ui.label(WAITING.get(view.status, view.status)).classes("text-xs font-medium") \
                .mark("expression-status")
            if view.status in ("failed", "cancelled"):
                if view.error:
                    ui.label(view.error[:160]).classes("text-xs line-clamp-3").mark("expression-error")
                ui.button("Retry", icon="refresh", on_click=lambda: self.actions.regenerate(self.label)) \
                    .props(f'dense no-caps unelevated size=sm color=primary aria-label="Retry {view.label}"') \
                    .mark("expression-retry")

    def _strip(self, view: LabelView) -> None:
        """The label's images, the chosen one ringed; clicking another makes it the chosen one."""
        with ui.row().classes("w-full gap-1 no-wrap px-1").props('role="group"') \
                .props(f'aria-label="Images of {view.label}"').mark("expression-strip"):
            for image in view.images[:STRIP_MAX]:
                chosen = view.chosen is not None and image.id == view.chosen.id
                ring = "expr-chosen" if chosen else "opacity-80 hover:opacity-100"
                thumb = ui.element("img").props(
                    f'src="{image.thumbnail_url or image.image_url}" loading=lazy decoding=async '
                    f'data-testid="expression-alternative" data-image-id="{image.id}" '
                    f'data-chosen="{str(chosen).lower()}"') \
                    .classes(f"w-8 h-8 rounded object-cover bg-sunken {ring}") \
                    .mark("expression-alternative", "expression-chosen" if chosen else "expression-other")
                if chosen:
                    thumb.props["alt"] = f"{view.label}: the chosen image"
                else:
                    thumb.props["alt"] = ""
                    thumb.classes("cursor-pointer").on("click", lambda i=image.id: self.actions.choose(self.label, i))
                    button_like(thumb, f"Choose this image for {view.label}",
                                lambda i=image.id: self.actions.choose(self.label, i))
            if len(view.images) > STRIP_MAX:
                ui.label(f"+{len(view.images) - STRIP_MAX}").classes("text-xs text-muted self-center")

    def _open_menu(self) -> None:
        if self._menu is None:
            with self._menu_button:
                self._menu = ui.menu()
                with self._menu:
                    ui.menu_item("Regenerate", lambda: self.actions.regenerate(self.label)) \
                        .mark("expression-regenerate")
                    ui.menu_item("Upload your own image", lambda: self.on_upload(self.label)) \
                        .mark("expression-upload")
                    if self.view.images:
                        ui.menu_item("Open", lambda: self.on_open(self.label)).mark("expression-open")
                    ui.menu_item("Delete label", lambda: confirm_delete_label(self.actions, self.label)) \
                        .mark("expression-delete")
        self._menu.open()


async def confirm_delete_label(actions: ExpressionActions, label: str) -> None:
    """A label goes with all its images and files: ask first."""
    if await confirm(f"Delete the expression “{label}” and all its images? This cannot be undone."):
        await actions.delete_label(label)
