"""Provider credentials encrypted at rest, with a key derived from the studio's secret key.

HKDF-SHA256 turns the secret key (any text: the generated ``data/secret_key`` or
``STUDIO_SECRET_KEY``) into a 256-bit AES-GCM key used for nothing else (its own ``info`` label), so
the storage-URL signatures and the session cookies never share key material with the credentials.
A sealed value is ``v1.<base64url(nonce | ciphertext+tag)>``: a fresh 96-bit nonce each time, so the
same key stored twice never looks the same, and the tag refuses any altered byte. The column name is
the associated data, so a sealed value copied into another column does not open.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v1."
_INFO = b"character-studio/api_providers.credentials/v1"
_SALT = b"character-studio"
_AAD = b"api_providers.credentials"
_NONCE = 12


class SecretBoxError(ValueError):
    """A sealed value that does not open: the secret key changed, or the value was altered."""


def derive_key(secret: str) -> bytes:
    """The 32-byte AES key for ``secret`` (deterministic: the same secret always gives the same key)."""
    if not secret:
        raise SecretBoxError("The secret key is empty")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(secret.encode("utf-8"))


def seal(secret: str, plaintext: str) -> str:
    """``plaintext`` encrypted under ``secret``'s derived key."""
    nonce = os.urandom(_NONCE)
    sealed = AESGCM(derive_key(secret)).encrypt(nonce, plaintext.encode("utf-8"), _AAD)
    return _VERSION + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def open_sealed(secret: str, token: str) -> str:
    """The plaintext of ``token``; ``SecretBoxError`` when the key is wrong or the value altered."""
    if not token.startswith(_VERSION):
        raise SecretBoxError("Not a sealed credential")
    try:
        raw = base64.urlsafe_b64decode(token[len(_VERSION):].encode("ascii"))
    except (binascii.Error, ValueError) as exc:
        raise SecretBoxError("A sealed credential is damaged") from exc
    if len(raw) <= _NONCE:
        raise SecretBoxError("A sealed credential is damaged")
    try:
        return AESGCM(derive_key(secret)).decrypt(raw[:_NONCE], raw[_NONCE:], _AAD).decode("utf-8")
    except InvalidTag as exc:
        raise SecretBoxError("A stored credential does not open with this secret key "
                             "(was the secret key changed without `python main.py rotate-secret-key`?)") from exc


def hint(plaintext: str) -> str:
    """What may be shown of a key: its last 4 characters (nothing of one shorter than 8, where 4 would be
    half of it)."""
    return plaintext[-4:] if len(plaintext) >= 8 else ""
