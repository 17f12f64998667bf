"""The one error a card import raises for a file it cannot use.

It is a :class:`core.errors.ValidationError` (so the API answers 400 in the usual JSON shape and the
UI shows ``message`` as it is), with a stable ``reason`` for callers and tests and an API ``code`` of
``card_<reason>``. Reasons: ``too_large``, ``empty``, ``unsupported``, ``no_card``, ``bad_base64``,
``bad_json``, ``not_a_card``, ``missing_name``, ``field_too_long``, ``bad_field``, ``bad_zip``,
``unsafe_path``, ``zip_bomb``, ``not_an_image``, ``too_many_assets``.
"""

from __future__ import annotations

from core.errors import ValidationError


class CardError(ValidationError):
    """A character card file that cannot be imported; the message is written for the uploader."""

    def __init__(self, message: str, reason: str = "not_a_card") -> None:
        super().__init__({"file": message})
        self.message = message
        self.reason = reason
        self.code = f"card_{reason}"
