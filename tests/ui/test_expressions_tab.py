"""The studio's Expressions tab (User harness, built-in renderer): the tab on both bars, a set made and
filled live (in a second tab too), regenerate, choosing an alternative, deleting, a bad custom label
refused at the field, and a character without a face."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from nicegui import ElementFilter, ui
from nicegui.testing import User
from nicegui.testing.user_interaction import UserInteraction
from PIL import Image

from core import auth
from core.expressions import store
from core.expressions.labels import ESSENTIAL
from core.generation.inputs import PortraitRequest
from core.models import Character
from core.models import User as Account
from tests.support.served_app import running_studio
from tests.support.studio_pages import open_studio, own_character, texts
from tests.support.uploads import upload_through
from tests.support.waiting import eventually

WAIT_S = 60  # a set on the built-in renderer, on a slow machine


def _count(user: User, marker: str) -> int:
    assert user.client
    with user.client:
        return len(list(ElementFilter(marker=marker, local_scope=False)))


def _png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _visible(user: User, marker: str) -> bool:
    assert user.client
    with user.client:
        return any(e.visible for e in ElementFilter(marker=marker, local_scope=False))


def _tile_labels(user: User) -> list[str]:
    assert user.client
    with user.client:
        return [e.props.get("data-label", "") for e in ElementFilter(marker="expression-tile", local_scope=False)]


def _click_in(user: User, label: str, marker: str) -> None:
    """Click the one element so marked in the tile of ``label``."""
    assert user.client
    with user.client:
        (tile,) = ElementFilter(marker=f"expression-{label}", local_scope=False)
        (element,) = ElementFilter(marker=marker, local_scope=False).within(instance=tile)
    UserInteraction(user, {element}, None).click()


def _tile(user: User, label: str) -> Callable[[str], int]:
    """How many elements so marked the tile of ``label`` holds."""
    def count(marker: str) -> int:
        assert user.client
        with user.client:
            (tile,) = ElementFilter(marker=f"expression-{label}", local_scope=False)
            return len(list(ElementFilter(marker=marker, local_scope=False).within(instance=tile)))
    return count


async def _with_face() -> Character:
    ctx, owner, character = own_character(appearance_tags=["red hair", "green eyes"])
    await running_studio().generation.generate_portrait(owner, PortraitRequest(character_id=character.id))
    return character


async def _open_tab(user: User, character: Character) -> None:
    await open_studio(user, f"/studio/{character.id}")
    user.find(marker="tab-expressions").click()
    await user.should_see(marker="expression-panel")


async def _make_essential(user: User) -> None:
    user.find(marker="make-expressions").click()
    await eventually(lambda: _count(user, "expression-image") == len(ESSENTIAL), within=WAIT_S,
                     what="every Essential tile has its image")


async def test_the_tab_is_on_both_bars_and_its_panel_is_built_when_opened(user: User) -> None:
    character = await _with_face()
    await open_studio(user, f"/studio/{character.id}")
    await user.should_see(marker="tab-expressions")
    await user.should_see(marker="mobile-tab-expressions")
    assert _count(user, "expression-panel") == 0  # nothing of it in the first answer
    user.find(marker="tab-expressions").click()
    await user.should_see(marker="expression-panel")
    await user.should_see(marker="no-expressions")
    await user.should_see("Will be made from the primary portrait")


async def test_a_set_fills_live_in_this_tab_and_in_another(user: User, create_user: Callable[[], User]) -> None:
    character = await _with_face()
    other = create_user()
    await _open_tab(other, character)
    await _open_tab(user, character)
    await _make_essential(user)
    assert _tile_labels(user) == list(ESSENTIAL)  # in the set's order
    await eventually(lambda: _count(other, "expression-image") == len(ESSENTIAL), within=WAIT_S,
                     what="the second tab shows every image too")
    assert _tile_labels(other) == list(ESSENTIAL)
    await user.should_see("From the primary portrait")
    await eventually(lambda: not _visible(user, "expression-progress"), what="the progress ends")
    assert texts(user, "expression-count")[0] == "1"  # the number of images, beside a gallery icon
    assert set(texts(user, "expression-background")) <= {"transparent", "plain"}

    user.find(marker="export-sprites").click()
    response = await user.download.next(timeout=10)
    assert response.headers["content-disposition"].startswith('attachment; filename="Mira-sprites.zip"')
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.namelist()) == sorted(f"{label}.png" for label in ESSENTIAL)


async def test_regenerate_then_choose_the_first_image_again(user: User) -> None:
    character = await _with_face()
    await _open_tab(user, character)
    await _make_essential(user)
    ctx, owner = running_studio().ctx, _owner()
    first = store.read_set(ctx, owner, character.id).label("joy")
    assert first is not None and first.chosen is not None
    joy = _tile(user, "joy")

    _click_in(user, "joy", "expression-menu")  # the menu is built on first open
    user.find(marker="expression-regenerate").click()
    await eventually(lambda: joy("expression-alternative") == 2, within=WAIT_S, what="joy's strip of two images")
    after = store.read_set(ctx, owner, character.id).label("joy")
    assert after is not None and after.chosen is not None and after.chosen.id != first.chosen.id
    assert [image.id for image in after.alternatives] == [first.chosen.id]
    assert _tile(user, "sadness")("expression-alternative") == 0  # the other tiles were left alone

    _click_in(user, "joy", "expression-other")
    await eventually(lambda: store.read_set(ctx, owner, character.id).label("joy").chosen.id == first.chosen.id,
                     what="the first image chosen again")
    await eventually(lambda: _chosen_id(user, "joy") == first.chosen.id, what="the tile marks it chosen")


async def test_the_viewer_steps_through_the_labels_with_the_arrow_keys_while_open(user: User) -> None:
    character = await _with_face()
    await _open_tab(user, character)
    await _make_essential(user)
    await eventually(lambda: _count(user, "expression-image") == len(ESSENTIAL), within=WAIT_S, what="the images")
    _click_in(user, ESSENTIAL[0], "expression-image")
    await user.should_see(f"{ESSENTIAL[0]} · image 1 of 1")
    keyboard = next(iter(user.find(kind=ui.keyboard).elements))
    assert keyboard.active
    user.find(kind=ui.keyboard).trigger("key", _key("ArrowRight"))
    await user.should_see(f"{ESSENTIAL[1]} · image 1 of 1")
    user.find(kind=ui.keyboard).trigger("key", _key("ArrowLeft"))
    await user.should_see(f"{ESSENTIAL[0]} · image 1 of 1")
    user.find(kind=ui.keyboard).trigger("key", _key("Escape"))
    await eventually(lambda: not keyboard.active, what="the keys to be released when the viewer closes")


def _key(name: str) -> dict[str, object]:
    """What ``ui.keyboard``'s browser side sends for one key press."""
    return {"action": "keydown", "repeat": False, "altKey": False, "ctrlKey": False, "metaKey": False,
            "shiftKey": False, "key": name, "code": name, "location": 0}


async def test_cancel_stops_the_set_and_the_labels_left_offer_retry(user: User) -> None:
    character = await _with_face()
    await _open_tab(user, character)
    (toggle,) = user.find(marker="expression-preset").elements
    toggle.value = "sillytavern"  # type: ignore[attr-defined]
    user.find(marker="make-expressions").click()
    await user.should_see(marker="expression-cancel")
    user.find(marker="expression-cancel").click()
    await eventually(lambda: not _visible(user, "expression-progress"), within=WAIT_S, what="the progress ends")
    await eventually(lambda: _count(user, "expression-retry") > 0, what="Retry on the cancelled labels")
    view = store.read_set(running_studio().ctx, _owner(), character.id)
    assert view is not None and {label.status for label in view.labels} <= {"completed", "cancelled"}
    cancelled = [label.label for label in view.labels if label.status == "cancelled"]
    assert cancelled and _count(user, "expression-retry") == len(cancelled)

    _click_in(user, cancelled[0], "expression-retry")
    await eventually(lambda: _tile(user, cancelled[0])("expression-image") == 1, within=WAIT_S,
                     what="the retried label gets its image")


async def test_delete_a_label_after_confirming(user: User) -> None:
    character = await _with_face()
    await _open_tab(user, character)
    await _make_essential(user)
    _click_in(user, "anger", "expression-menu")
    user.find(marker="expression-delete").click()
    await user.should_see(marker="confirm-message")
    user.find(marker="confirm-ok").click()
    await eventually(lambda: "anger" not in _tile_labels(user), what="the anger tile goes")
    view = store.read_set(running_studio().ctx, _owner(), character.id)
    assert view is not None and view.label("anger") is None and len(view.labels) == len(ESSENTIAL) - 1


async def test_upload_your_own_image_for_a_label_through_the_gate(user: User) -> None:
    character = await _with_face()
    await _open_tab(user, character)
    await _make_essential(user)
    _click_in(user, "joy", "expression-menu")
    user.find(marker="expression-upload").click()
    status = await upload_through(user, "expression-upload-picker", "mine.png", _png((200, 40, 40)), "image/png")
    assert status == 200
    await eventually(lambda: _tile(user, "joy")("expression-alternative") == 2, what="joy has two images")
    joy = store.read_set(running_studio().ctx, _owner(), character.id).label("joy")
    assert joy is not None and joy.chosen is not None and joy.chosen.origin == "upload"
    assert joy.chosen.background == "plain"

    _click_in(user, "joy", "expression-menu")
    user.find(marker="expression-upload").click()
    assert await upload_through(user, "expression-upload-picker", "bad.png", b"not an image", "image/png") == 200
    await user.should_see("was refused")
    after = store.read_set(running_studio().ctx, _owner(), character.id).label("joy")
    assert after is not None and len(after.images) == 2  # nothing changed


async def test_a_bad_custom_label_is_refused_at_the_field_and_nothing_is_sent(user: User) -> None:
    character = await _with_face()
    await _open_tab(user, character)
    (toggle,) = user.find(marker="expression-preset").elements
    toggle.value = "custom"  # type: ignore[attr-defined]  # (the User harness cannot click a toggle's option)
    field = user.find(marker="expression-label-input")
    field.type("Smug!").trigger("keydown.enter")
    (element,) = field.elements
    await eventually(lambda: bool(element.error), what="the error at the field")  # type: ignore[attr-defined]
    assert "may only hold lowercase letters" in element.error  # type: ignore[attr-defined]
    user.find(marker="make-expressions").click()
    await user.should_see(marker="no-expressions")
    assert store.read_set(running_studio().ctx, _owner(), character.id) is None

    field.clear().type("smug, sleepy").trigger("keydown.enter")
    await eventually(lambda: texts(user, "expression-label-chip") == ["smug", "sleepy"], what="two chips")
    user.find(marker="make-expressions").click()
    await eventually(lambda: _tile_labels(user) == ["smug", "sleepy"], within=WAIT_S, what="the custom tiles")


async def test_a_character_without_a_face_cannot_start_a_set(user: User) -> None:
    _ctx, _me, character = own_character()
    await _open_tab(user, character)
    await user.should_see("Choose a primary portrait or a reference image first")
    (button,) = user.find(marker="make-expressions").elements
    assert not button.enabled  # type: ignore[attr-defined]

    button.enable()  # as if the face went away between drawing and pressing: the core's message shows
    user.find(marker="make-expressions").click()
    await user.should_see("neither a primary portrait nor a reference image")
    assert store.read_set(running_studio().ctx, _owner(), character.id) is None


def _owner() -> Account:
    return auth.local_user(running_studio().ctx.db)


def _chosen_id(user: User, label: str) -> str | None:
    assert user.client
    with user.client:
        (tile,) = ElementFilter(marker=f"expression-{label}", local_scope=False)
        found = list(ElementFilter(marker="expression-chosen", local_scope=False).within(instance=tile))
        return found[0].props.get("data-image-id") if found else None
