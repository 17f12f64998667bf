"""The studio's actions for one open tab: core calls off the event loop, results into the state.

One controller per page instance. It loads the character, keeps the auto-saver, subscribes to the
character's events (and unsubscribes when the tab goes), and implements :class:`ui.actions.StudioActions`
for the components. Failures become a toast and never lose what the person typed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from nicegui import background_tasks, run, ui
from nicegui.client import Client

from core import characters, portraits, scenes
from core.cards.summary import CardSummary, card_summary
from core.container import Studio
from core.errors import StudioError
from core.events import Event, EventType, Subscription
from core.generation.inputs import PortraitRequest, recorded_presets
from core.generation.routing import RoutedModel, count_i2i_models, list_image_models
from core.models import Character, CharacterScene, CharacterTemplate, Job, Preset, User
from core.presets import list_presets, preset_tags
from core.reference_images import LibraryImage, clear_reference, list_library, upload_reference, use_stored_image
from core.suggest.character import chat_models, suggest_for_character
from core.templates import apply_template, list_templates
from ui import card_actions
from ui.gallery_state import PAGE_SIZE, GalleryState
from ui.state import AutoSaver, CharacterState, StudioOptions

log = logging.getLogger(__name__)


class StudioController:
    strict_rules = False  # the create form's 50–500 character description rule
    created_message = "Character saved"
    def __init__(self, studio: Studio, user: User, *, role: str = "ai") -> None:
        self.studio = studio
        self.ctx = studio.ctx
        self.user = user
        self.state = CharacterState({"role": role})
        self.options = StudioOptions()
        self.gallery = GalleryState()
        self.saver = AutoSaver(self.state, self._save_changes, delay=self.ctx.settings.autosave_delay_s)
        self.tab_id = f"tab-{id(self)}"
        self.active_job: str | None = None
        self.scene_listeners: list[Callable[[], None]] = []
        self.on_created: Callable[[str], None] | None = None
        self._scenes: list[CharacterScene] = []
        self._subscription: Subscription | None = None
        self._templates: list[CharacterTemplate] | None = None
        self._models: list[RoutedModel] | None = None
        self.client: Client | None = None
        self.card: CardSummary = CardSummary()

    # -- lifecycle -------------------------------------------------------------------------------

    async def open(self, character_id: str | None, *, with_content: bool = True) -> bool:
        """Load a character the user owns (False: not found); None starts a new one.

        ``with_content=False`` leaves the gallery and scenes to :meth:`load_content`, for pages that
        build those parts after the browser has connected.
        """
        try:
            self.options.i2i_count, row = await run.io_bound(self._read_opening, character_id)
        except StudioError:
            return False
        if row is None:
            return True
        if row.user_id != self.user.id:
            return False
        self._load_row(row)
        self.card = card_summary(row.card_data)
        self._subscribe(row.id)  # before loading: nothing published meanwhile is missed
        if with_content:
            await self.load_content()
        return True

    def _read_opening(self, character_id: str | None) -> tuple[int, Character | None]:
        """What the page needs before its first answer, in one trip to a worker thread: each trip
        waits for a turn of the event loop, which a busy server makes long."""
        row = characters.get_character(self.ctx, self.user, character_id) if character_id else None
        return count_i2i_models(self.ctx.db), row

    async def load_content(self) -> None:
        """The first page of portraits and the scenes."""
        if self.state.character_id is None:
            return
        await self._load_gallery()
        self._scenes = await run.io_bound(scenes.list_scenes, self.ctx, self.user, self.state.character_id)

    def attach(self, client: Client) -> None:
        """Flush a pending save and stop listening when this tab goes away."""
        self.client = client
        client.on_disconnect(self._on_disconnect)
        client.on_delete(self.close)

    def close(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None

    async def _on_disconnect(self) -> None:
        await self.saver.flush()

    # -- character -------------------------------------------------------------------------------

    async def save(self) -> bool:
        """Explicit save: creates a new character, or saves the pending edits now."""
        if self.state.is_new:
            return await self._create()
        await self.saver.save_now()
        if self.state.save_status == "error":
            self.notify(self.state.error_message or "Saving failed", type="negative")
            return False
        if self.state.save_status == "conflict":
            self.notify("Someone changed this character elsewhere: reload theirs or overwrite", type="warning")
            return False
        self.notify("Character saved", type="positive")
        return True

    async def suggest(self, field: str) -> None:
        try:
            result = await suggest_for_character(self.ctx, self.user, field, values=self.state.values(),
                                                 chat_model_id=self.options.chat_model_id)
        except StudioError as exc:
            self.notify(exc.message, type="negative")
            return
        for name, value in result.values.items():
            if name == "traits" and isinstance(value, list):
                value = ", ".join(value)
            setattr(self.state, name, value)
        label = "Offline suggestion" if result.source == "offline" else "Suggestion"
        self.notify(result.note or f"{label} added — edit it freely", type="info")

    def templates(self) -> list[CharacterTemplate]:
        if self._templates is None:
            self._templates = list_templates(self.ctx.db, self.user)
        return self._templates

    async def apply_template(self, template: CharacterTemplate) -> None:
        values = apply_template(self.state.values(), template)
        for name, value in values.items():
            if getattr(self.state, name) != value:
                setattr(self.state, name, value)
        self.notify(f"Template “{template.name}” applied", type="positive")

    def presets(self, kind: str) -> list[Preset]:
        return list_presets(self.ctx.db, kind)

    def chat_models(self) -> list[tuple[str, str]]:
        """(id, label) of the active chat models for the suggestion selector; the built-in one is offline."""
        return [(m.id, "Offline suggester (built-in)" if p.name == "builtin" else m.display_name)
                for m, p in chat_models(self.ctx)]

    async def apply_appearance_preset(self, preset: Preset) -> None:
        tags = preset_tags(preset)
        self.state.appearance_tags = _merge(self.state.appearance_tags, tags.appearance)
        self.state.clothing_tags = _merge(self.state.clothing_tags, tags.clothing)

    # -- character cards -------------------------------------------------------------------------

    async def import_card(self, data: bytes, filename: str) -> None:
        await card_actions.import_card_file(self, data, filename)

    async def export_card(self, fmt: str) -> None:
        await card_actions.export_card_file(self, fmt)

    # -- generation ------------------------------------------------------------------------------

    def image_models(self) -> list[RoutedModel]:
        if self._models is None:
            self._models = list_image_models(self.ctx.db)
        return self._models

    async def generate(self, prompt: str | None = None, scene_id: str | None = None,
                       presets: dict[str, str] | None = None) -> None:
        """The seed's generatePortrait: validate, save silently when new or dirty, then run the pipeline."""
        if self.state.is_generating:
            self.notify("A portrait is already being generated", type="warning")
            return
        if not self.state.name.strip() or not self.state.description.strip():
            self.notify("New characters need a name and description before generating portraits"
                      if self.state.is_new else "Please add a character name and description to continue",
                      type="negative")
            return
        was_new = self.state.is_new
        if was_new and not await self._create(silent=True):
            return
        if self.state.dirty:
            await self.saver.save_now()
        if was_new:
            self.notify("Character auto-saved — generating your first portrait…", type="info")
        text = (prompt if prompt is not None else self.options.prompt) or ""
        request = PortraitRequest(character_id=self.state.character_id, prompt_override=text.strip() or None,
                                  reference_image_url=self.state.reference_image_url,
                                  api_model_id=self.options.model_id,
                                  presets=presets if presets is not None else
                                  {"pose": self.options.pose} if self.options.pose and not scene_id else {},
                                  scene_id=scene_id)
        self.state.is_generating = True
        self.state.progress = 0.0
        background_tasks.create(self._run_generation(request), name="generate-portrait")

    async def cancel_generation(self) -> None:
        if self.active_job:
            await self.studio.generation.cancel_job(self.user, self.active_job)

    async def upload_reference(self, data: bytes, filename: str) -> None:
        if not await self._ensure_saved():
            return
        try:
            row = await upload_reference(self.ctx, self.user, self.state.character_id, data)
        except (StudioError, ValueError) as exc:
            self.notify(getattr(exc, "message", str(exc)), type="negative")
            return
        self.state.reference_image_url = row.reference_image_url
        self.notify("Reference image set: portraits will keep this face", type="positive")

    async def library(self) -> list[LibraryImage]:
        return await list_library(self.ctx, self.user)

    async def pick_reference(self, image: LibraryImage) -> None:
        if not await self._ensure_saved():
            return
        row = await use_stored_image(self.ctx, self.user, self.state.character_id, image.bucket, image.key)
        self.state.reference_image_url = row.reference_image_url

    async def remove_reference(self) -> None:
        if self.state.character_id is None:
            self.state.reference_image_url = None
            return
        row = await clear_reference(self.ctx, self.user, self.state.character_id)
        self.state.reference_image_url = row.reference_image_url

    # -- portraits -------------------------------------------------------------------------------

    async def set_primary(self, portrait_id: str) -> None:
        await self._call(portraits.set_primary, self.ctx, self.user, portrait_id, done="Primary portrait updated")

    async def delete_portrait(self, portrait_id: str) -> None:
        await self._call(portraits.delete_portrait, self.ctx, self.user, portrait_id, done="Portrait deleted")

    async def use_as_reference(self, portrait_id: str) -> None:
        view = self.gallery.find(portrait_id)
        path = (view.metadata.get("storage_path") if view else None) or ""
        if not path:
            self.notify("This portrait has no stored copy to use as a reference", type="warning")
            return
        row = await use_stored_image(self.ctx, self.user, self.state.character_id, "user-library", path)
        self.state.reference_image_url = row.reference_image_url
        self.notify("Reference image set from this portrait", type="positive")

    async def regenerate(self, portrait_id: str, prompt: str) -> None:
        """Another take of a portrait: the lightbox's prompt with the presets that portrait was made
        with (pose, expression, ...), not whatever pose chip the page has selected now."""
        view = self.gallery.find(portrait_id)
        await self.generate(prompt, presets=recorded_presets(view.metadata if view else {}))

    async def load_more(self) -> None:
        if not self.gallery.has_more or self.state.character_id is None:
            return
        rows = await run.io_bound(portraits.list_portraits, self.ctx, self.user, self.state.character_id,
                                  limit=PAGE_SIZE, offset=len(self.gallery.portraits))
        total = await run.io_bound(portraits.count_portraits, self.ctx, self.user, self.state.character_id)
        self.gallery.extend(rows, total)

    # -- scenes ----------------------------------------------------------------------------------

    def scenes(self) -> list[CharacterScene]:
        return list(self._scenes)

    async def save_scene(self, scene_id: str | None, data: dict[str, Any]) -> bool:
        if not await self._ensure_saved():
            return False
        try:
            if scene_id:
                await run.io_bound(scenes.update_scene, self.ctx, self.user, scene_id, data)
            else:
                await run.io_bound(scenes.create_scene, self.ctx, self.user, self.state.character_id, data)
        except StudioError as exc:
            self.notify(exc.message, type="negative")
            return False
        return True  # the list redraws on the scene.changed event, in every tab alike

    async def delete_scene(self, scene_id: str) -> None:
        await self._call(scenes.delete_scene, self.ctx, self.user, scene_id, done="Scene deleted")

    async def generate_scene_image(self, scene_id: str) -> None:
        scene = next((s for s in self._scenes if s.id == scene_id), None)
        if scene is None:
            return
        prompt = (scene.scene_prompt or scene.scene_description or scene.scene_name)[:200]
        await self.generate(prompt, scene_id=scene_id)

    # -- helpers ---------------------------------------------------------------------------------

    def notify(self, message: str, type: str = "info") -> None:  # noqa: A002 - NiceGUI's own name
        """A toast in this tab, also from background tasks and event handlers (outside a UI context)."""
        if self.client is None or self.client.is_deleted:
            return
        with self.client:
            ui.notify(message, type=type)  # type: ignore[arg-type]

    async def _create(self, silent: bool = False) -> bool:
        """Insert the new character; save, generate and the reference upload all go through here."""
        if not self._can_create():
            return False
        try:
            row = await run.io_bound(characters.create_character, self.ctx, self.user, self.state.values(),
                                     strict_description=self.strict_rules)
        except StudioError as exc:
            self._show_create_error(exc)
            return False
        if row is None:  # the app is shutting down
            return False
        self._load_row(row)
        self._subscribe(row.id)
        if not silent:
            self.notify(self.created_message, type="positive")
        if self.on_created is not None:
            self.on_created(row.id)
        return True

    def _can_create(self) -> bool:
        """A hook for pages that check their fields before asking core (the create form)."""
        return True

    def _show_create_error(self, exc: StudioError) -> None:
        self.state.error_message = exc.message
        self.notify(exc.message, type="negative")

    async def _ensure_saved(self) -> bool:
        if not self.state.is_new:
            return True
        if not self.state.name.strip():
            self.notify("Give the character a name first", type="negative")
            return False
        return await self._create(silent=True)

    async def _save_changes(self, changes: dict[str, Any], version: int) -> tuple[dict[str, Any], int]:
        row = await run.io_bound(characters.update_character, self.ctx, self.user, self.state.character_id,
                                 changes, version, source=self.tab_id)
        return changes, row.version

    async def _run_generation(self, request: PortraitRequest) -> None:
        def on_job(job: Job) -> None:
            self.active_job = job.id

        try:
            await self.studio.generation.generate_portrait(self.user, request, on_job=on_job)
        except StudioError as exc:
            self.notify(f"Generation failed: {exc.message}", type="negative")
        except Exception:  # noqa: BLE001 - the toast is all the person can act on
            log.exception("generation failed")
            self.notify("Generation failed; see the server log", type="negative")
        finally:
            self.state.is_generating = False
            self.active_job = None

    async def _call(self, fn: Callable[..., Any], *args: Any, done: str) -> Any:
        try:
            result = await run.io_bound(fn, *args)
        except StudioError as exc:
            self.notify(exc.message, type="negative")
            return None
        self.notify(done, type="positive")
        return result

    async def _load_gallery(self) -> None:
        cid = self.state.character_id
        rows = await run.io_bound(portraits.list_portraits, self.ctx, self.user, cid, limit=PAGE_SIZE)
        total = await run.io_bound(portraits.count_portraits, self.ctx, self.user, cid)
        self.gallery.reset(rows, total)

    async def _reload_scenes(self) -> None:
        if self.state.character_id:
            self._scenes = await run.io_bound(scenes.list_scenes, self.ctx, self.user, self.state.character_id)
        for listener in list(self.scene_listeners):
            listener()

    def _load_row(self, row: Character) -> None:
        self.state.load(characters.character_fields(row), version=row.version, character_id=row.id,
                        image_url=row.image_url, reference_image_url=row.reference_image_url)

    def _subscribe(self, character_id: str) -> None:
        self.close()
        self._subscription = self.ctx.events.subscribe(character_id, self._on_event)

    async def _on_event(self, event: Event) -> None:
        if event.type == EventType.PORTRAIT_UPDATED and "order" in event.data:
            await self._load_gallery()  # a new order: the first page is a different set of portraits
        elif event.type in (EventType.PORTRAIT_INSERTED, EventType.PORTRAIT_UPDATED, EventType.PORTRAIT_DELETED):
            self.gallery.apply(event)
        elif event.type == EventType.CHARACTER_UPDATED:
            await self._on_character_updated(event)
        elif event.type == EventType.JOB_PROGRESS and event.data.get("job_id") == self.active_job:
            self.state.progress = float(event.data.get("percent") or 0) / 100
        elif event.type == EventType.SCENE_CHANGED:
            await self._reload_scenes()

    async def _on_character_updated(self, event: Event) -> None:
        changes = event.data.get("changes") or {}
        if "image_url" in changes:
            self.state.image_url = changes["image_url"]
        if "reference_image_url" in changes:
            self.state.reference_image_url = changes["reference_image_url"]
        version = int(event.data.get("version") or 0)
        if event.data.get("source") == self.tab_id or version <= self.state.version:
            return
        row = await run.io_bound(characters.get_character, self.ctx, self.user, event.character_id)
        clashes = self.state.merge_remote(characters.character_fields(row), row.version)
        if clashes:
            self.notify(f"Changed in another tab too: {', '.join(clashes)} — your text is kept", type="warning")


def _merge(current: list[str], extra: list[str]) -> list[str]:
    seen = {t.casefold() for t in current}
    return [*current, *[t for t in extra if t.casefold() not in seen]]
