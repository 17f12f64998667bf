"""Which face a set is made from: the reference image when one is set, else the primary portrait.

The face's bytes are read once per set job, through the same ownership rule as any reference
(:func:`core.generation.references.load_reference`): only the actor's own stored images.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlmodel import col, select

from core.context import Context
from core.errors import ValidationError
from core.expressions.store import owned_character
from core.generation.references import load_reference
from core.models import CharacterPortrait, User

NO_FACE = ("This character has neither a primary portrait nor a reference image: generate or upload a "
           "portrait first, then make its expressions")


@dataclass(frozen=True)
class Face:
    kind: str  # reference | primary
    url: str
    portrait_id: str | None


def choose_face(ctx: Context, actor: User, character_id: str) -> Face:
    """The face for a new set, or a ValidationError (a 400) when the character has none."""
    with ctx.db.read() as session:
        character = owned_character(session, actor, character_id)
        if character.reference_image_url:
            return Face("reference", character.reference_image_url, None)
        primary = session.exec(select(CharacterPortrait).where(
            CharacterPortrait.character_id == character_id, col(CharacterPortrait.is_primary))).first()
    if primary is None or not primary.image_url:
        raise ValidationError({"face": NO_FACE})
    return Face("primary", primary.image_url, primary.id)


async def face_bytes(ctx: Context, actor: User, url: str) -> bytes:
    """The face's image bytes; a face that is gone (deleted since) is a clear ValidationError."""
    try:
        return (await load_reference(ctx, actor, url)).data
    except ValidationError as exc:
        raise ValidationError({"face": f"The face this set is made from cannot be read: "
                                       f"{next(iter(exc.errors.values()), exc.message)}"}) from exc


async def current_face(ctx: Context, actor: User, character_id: str) -> Face:
    return await asyncio.to_thread(choose_face, ctx, actor, character_id)
