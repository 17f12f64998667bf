"""Users, password hashing, API tokens, and the ownership checks every service relies on.

Passwords use the standard library's scrypt (memory-hard, slow on purpose) at OWASP's current
parameters (N=2^17, r=8, p=1: about 0.45 s and 128 MB per hash here) with a per-user salt and a
constant-time compare. A hash made with weaker parameters is replaced at the next sign-in. API tokens
are random, shown once, and stored only as a SHA-256 digest, so a leaked database does not leak
usable tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from functools import lru_cache

import sqlalchemy as sa
from sqlmodel import Session, func, select

from core.db import Database
from core.errors import AuthError, Forbidden, NotFound, ValidationError
from core.models import ApiToken, Character, User, utcnow

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
SCRYPT_MAXMEM = 256 * 1024 * 1024  # 128 * N * r is needed; OpenSSL's default cap is 32 MB
UNUSABLE = "!"  # the password hash of an account nobody signs in to with a password
_PG_FIRST_USER_LOCK = 0x0F1B_57AD
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
TOKEN_PREFIX = "cs_"
LOCAL_USER_EMAIL = "local@studio.invalid"
DISABLED = "This account is disabled: ask an admin of this studio"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    if encoded == UNUSABLE:
        return False
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def create_user(db: Database, email: str, password: str, display_name: str = "",
                is_admin: bool | None = None, *, only_if_first: bool = False) -> User:
    """Create an account; the very first account is always an admin.

    ``only_if_first`` is the first-start form: it creates the admin only while there is no account at
    all, so two people submitting it at once on a fresh studio get one account and one refusal (not
    an admin and a regular user). The count and the insert happen under one lock: SQLite's write
    lock, or a PostgreSQL advisory lock.
    """
    email = normalise_email(email)
    _check_password(password)
    password_hash = hash_password(password)  # slow on purpose: outside the transaction and its lock
    return _insert_user(db, email, password_hash, display_name, is_admin, only_if_first=only_if_first)


def _insert_user(db: Database, email: str, password_hash: str, display_name: str, is_admin: bool | None, *,
                 only_if_first: bool = False) -> User:
    with db.write() as session:
        if not db.is_sqlite:
            session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_FIRST_USER_LOCK})
        if session.exec(select(User).where(User.email == email)).first() is not None:
            raise ValidationError({"email": "An account with this email already exists"})
        first = session.exec(select(func.count()).select_from(User)).one() == 0
        if only_if_first and not first:
            raise ValidationError("The studio already has its admin account: sign in instead")
        user = User(email=email, password_hash=password_hash,
                    display_name=display_name.strip()[:100] or email.split("@")[0],
                    is_admin=True if first else bool(is_admin))
        session.add(user)
    return user


def authenticate(db: Database, email: str, password: str) -> User:
    """The user with these credentials, or AuthError; unknown emails cost the same time as known."""
    try:
        email = normalise_email(email)
    except ValidationError:
        email = ""
    with db.read() as session:
        user = session.exec(select(User).where(User.email == email)).first() if email else None
    if user is None:
        verify_password(password, _dummy_hash())
        raise AuthError("Invalid email or password")
    if not verify_password(password, user.password_hash):
        raise AuthError("Invalid email or password")
    if user.disabled:  # said only to whoever knows the password
        raise AuthError(DISABLED)
    if needs_rehash(user.password_hash):
        _store_hash(db, user, hash_password(password))
    return user


def needs_rehash(encoded: str) -> bool:
    """True for a hash made with parameters weaker than (or other than) today's."""
    try:
        _, n, r, p, _, _ = encoded.split("$")
        return (int(n), int(r), int(p)) != (SCRYPT_N, SCRYPT_R, SCRYPT_P)
    except ValueError:
        return encoded != UNUSABLE


def _store_hash(db: Database, user: User, encoded: str) -> None:
    with db.write() as session:
        row = session.get(User, user.id)
        if row is not None:
            row.password_hash = encoded
            session.add(row)
    user.password_hash = encoded


def user_count(db: Database) -> int:
    with db.read() as session:
        return int(session.exec(select(func.count()).select_from(User)).one())


def get_user(db: Database, user_id: str) -> User | None:
    with db.read() as session:
        return session.get(User, user_id)


def get_user_by_email(db: Database, email: str) -> User | None:
    with db.read() as session:
        return session.exec(select(User).where(User.email == normalise_email(email))).first()


def local_user(db: Database) -> User:
    """The single account used when ``STUDIO_AUTH=none``: created on first use, admin."""
    existing = get_user_by_email(db, LOCAL_USER_EMAIL)
    if existing is not None:
        return existing
    try:
        return _insert_user(db, LOCAL_USER_EMAIL, UNUSABLE, "Local user", True)
    except ValidationError:  # created by another tab or process meanwhile
        created = get_user_by_email(db, LOCAL_USER_EMAIL)
        if created is None:
            raise
        return created


def create_token(db: Database, actor: User, name: str = "") -> tuple[ApiToken, str]:
    """A new API token for ``actor``; the plain token is returned once and never stored."""
    name = name.strip()
    if len(name) > 100:
        raise ValidationError({"name": "Token name must be at most 100 characters"})
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=actor.id, token_hash=_token_digest(plain), name=name or "API token")
    with db.write() as session:
        session.add(token)
    return token, plain


def list_tokens(db: Database, actor: User) -> list[ApiToken]:
    with db.read() as session:
        rows = session.exec(select(ApiToken).where(ApiToken.user_id == actor.id)
                            .order_by(ApiToken.created_at.desc()))  # type: ignore[attr-defined]
        return list(rows)


def revoke_token(db: Database, actor: User, token_id: str) -> None:
    with db.write() as session:
        token = session.get(ApiToken, token_id)
        if token is None or token.user_id != actor.id:
            raise NotFound("Token not found")
        session.delete(token)


def user_for_token(db: Database, plain: str) -> User:
    """The owner of a bearer token, recording its last use; AuthError for anything else."""
    if not plain or not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        raise AuthError("Invalid or missing API token")
    with db.write() as session:
        token = session.exec(select(ApiToken).where(ApiToken.token_hash == _token_digest(plain))).first()
        if token is None:
            raise AuthError("Invalid or missing API token")
        token.last_used_at = utcnow()
        user = session.get(User, token.user_id)
        if user is None:
            raise AuthError("Invalid or missing API token")
        if user.disabled:  # checked on every request: disabling stops the tokens at once
            raise AuthError(DISABLED)
        return user


def readable_character(session: Session, actor: User, character_id: str, *, lock: bool = False) -> Character:
    """A character the actor may see: their own, or anyone's public one. Others are *not found*."""
    stmt = select(Character).where(Character.id == character_id)
    if lock:
        stmt = stmt.with_for_update()
    character = session.exec(stmt).first() if character_id else None
    if character is None or not may_read(actor, character.user_id, character.is_public):
        raise NotFound("Character not found")
    return character


def may_read(actor: User, owner_id: str, is_public: bool) -> bool:
    """The one read rule, for callers that fetch rows without the ORM: owners, and anyone for public."""
    return owner_id == actor.id or bool(is_public)


def writable_character(session: Session, actor: User, character_id: str, *, lock: bool = True) -> Character:
    """A character the actor may change (their own), locked for the rest of the transaction."""
    character = readable_character(session, actor, character_id, lock=lock)
    if character.user_id != actor.id:
        raise Forbidden("You can view this character but not change it")
    return character


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if len(email) > 320 or not _EMAIL.match(email):
        raise ValidationError({"email": "Enter a valid email address"})
    return email


def check_password(password: str) -> None:
    """ValidationError (on ``password``) unless the length rules hold; for every form that sets one."""
    _check_password(password)


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValidationError({"password": f"Password must be at least {MIN_PASSWORD} characters"})
    if len(password) > MAX_PASSWORD:
        raise ValidationError({"password": f"Password must be at most {MAX_PASSWORD} characters"})


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=SCRYPT_MAXMEM, dklen=32)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(8))


def _token_digest(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
