"""``data:`` references go through the image gate (issue 13, point 9).

Before, a 144 MP PNG passed as a ``data:`` reference against a 40 MP limit, a 20,000² PNG gave a 503,
and a 35 MB URI was stored whole in ``jobs.metadata``.
"""

from __future__ import annotations

import base64

import pytest
from sqlmodel import select

from core.container import Studio
from core.errors import ValidationError
from core.generation.inputs import PortraitRequest
from core.models import Job
from tests.support.factories import make_character, make_user
from tests.support.storage import png_bomb, png_bytes


def data_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


@pytest.mark.parametrize(("build", "words"), [
    (lambda: png_bomb(12_000, 12_000), "pixels"),  # 144 MP against the 40 MP limit
    (lambda: png_bomb(20_000, 20_000), "pixels"),
    (lambda: b"<svg onload=alert(1)>" * 10, "not an image"),
])
async def test_a_bad_data_reference_is_refused_with_the_gates_message(studio: Studio, build, words) -> None:  # type: ignore[no-untyped-def]
    user = make_user(studio.ctx.db)
    character = make_character(studio.ctx, user)
    with pytest.raises(ValidationError) as refused:
        await studio.generation.generate_portrait(user, PortraitRequest(
            character_id=character.id, reference_image_url=data_uri(build())))
    assert words.lower() in refused.value.errors["referenceImageUrl"].lower()
    assert _jobs(studio) == []  # refused before any job existed


async def test_a_data_reference_longer_than_an_upload_is_refused_before_decoding(studio: Studio) -> None:
    user = make_user(studio.ctx.db)
    character = make_character(studio.ctx, user)
    studio.ctx.settings.max_upload_bytes = 1000
    with pytest.raises(ValidationError) as refused:
        await studio.generation.generate_portrait(user, PortraitRequest(
            character_id=character.id, reference_image_url="data:image/png;base64," + "A" * 5000))
    assert "longer than an upload" in refused.value.errors["referenceImageUrl"]


async def test_a_good_data_reference_is_used_and_only_its_digest_is_recorded(studio: Studio) -> None:
    user = make_user(studio.ctx.db)
    character = make_character(studio.ctx, user)
    uri = data_uri(png_bytes(300, 200))
    result = await studio.generation.generate_portrait(user, PortraitRequest(
        character_id=character.id, reference_image_url=uri))
    [job] = _jobs(studio)
    assert job.id == result.job_id and job.status == "completed"
    recorded = job.job_metadata["reference_image_url"]
    assert recorded.startswith("data:sha256,") and len(recorded) < 100 and "base64" not in str(job.job_metadata)
    assert job.job_metadata["generation_mode"] == "i2i"


def _jobs(studio: Studio) -> list[Job]:
    with studio.ctx.db.read() as session:
        return list(session.exec(select(Job)))
