"""Invite links: an admin makes a single-use link that expires; whoever opens it sets a password (and
an email, unless the admin named one) and has an account.

The token exists only in the link, shown once; the database keeps its SHA-256 digest, like API tokens,
so a leaked database opens no invite. Accepting marks the invite used in the same transaction that
creates the account (the row locked, ``FOR UPDATE`` on PostgreSQL, SQLite's write lock), so one link
makes one account however many people press at once. Time comes from ``clock`` so tests can pass one.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from core import auth
from core.admin.users import display_name
from core.admin_access import require_admin
from core.context import Context
from core.db import Database
from core.errors import NotFound, ValidationError
from core.models import Invite, User, utcnow

Clock = Callable[[], datetime]
INVITE_PREFIX = "inv_"
PATH = "/invite/"
INVALID = "This invite link is not valid: it was used already, has expired, or was withdrawn"


def create_invite(ctx: Context, actor: User, email: str | None = None, is_admin: bool = False, *,
                  clock: Clock = utcnow) -> tuple[Invite, str]:
    """A new invite and its plain token (returned once); ``email`` fixes the address the account gets."""
    require_admin(actor)
    fixed = auth.normalise_email(email) if email and email.strip() else None
    now = clock()
    with ctx.db.write() as session:
        if fixed and session.exec(select(User).where(User.email == fixed)).first() is not None:
            raise ValidationError({"email": "An account with this email already exists"})
        plain = INVITE_PREFIX + secrets.token_urlsafe(32)
        invite = Invite(token_hash=_digest(plain), email=fixed, is_admin=bool(is_admin), created_by=actor.id,
                        created_at=now, expires_at=now + timedelta(seconds=ctx.settings.invite_expiry_s))
        session.add(invite)
    return invite, plain


def invite_path(plain: str) -> str:
    """Where the invitee goes: the page that takes the token."""
    return PATH + plain


def pending_invites(ctx: Context, actor: User, *, clock: Clock = utcnow) -> list[Invite]:
    """Invites not used and not expired, newest first."""
    require_admin(actor)
    with ctx.db.read() as session:
        rows = session.exec(select(Invite).where(col(Invite.used_at).is_(None))
                            .order_by(col(Invite.created_at).desc()))
        return [row for row in rows if _aware(row.expires_at) > clock()]


def withdraw_invite(ctx: Context, actor: User, invite_id: str) -> None:
    """Delete an invite so its link stops working (a used one is history, not withdrawn: not found)."""
    require_admin(actor)
    with ctx.db.write() as session:
        row = session.get(Invite, invite_id)
        if row is None or row.used_at is not None:
            raise NotFound("Invite not found")
        session.delete(row)


def open_invite(db: Database, plain: str, *, clock: Clock = utcnow) -> Invite | None:
    """The invite a link names while it can still be used, else None (the page says so)."""
    with db.read() as session:
        return _usable(session, plain, clock())


def accept_invite(db: Database, plain: str, email: str, password: str, name: str = "", *,
                  clock: Clock = utcnow) -> User:
    """Create the invited account and use the invite up, in one transaction; ValidationError if the
    link is no longer usable or the input breaks a rule."""
    auth.check_password(password)
    password_hash = auth.hash_password(password)  # slow on purpose: outside the transaction
    with db.write() as session:
        invite = _usable(session, plain, clock(), lock=True)
        if invite is None:
            raise ValidationError(INVALID)
        address = invite.email or auth.normalise_email(email)
        if session.exec(select(User).where(User.email == address)).first() is not None:
            raise ValidationError({"email": "An account with this email already exists"})
        user = User(email=address, password_hash=password_hash, display_name=display_name(name, address),
                    is_admin=invite.is_admin)
        session.add(user)
        session.flush()
        invite.used_at, invite.used_by = clock(), user.id
        session.add(invite)
    return user


def _usable(session: Session, plain: str, now: datetime, *, lock: bool = False) -> Invite | None:
    if not plain or not plain.startswith(INVITE_PREFIX) or len(plain) > 200:
        return None
    stmt = select(Invite).where(Invite.token_hash == _digest(plain))
    if lock:
        stmt = stmt.with_for_update()
    invite = session.exec(stmt).first()
    if invite is None or invite.used_at is not None or _aware(invite.expires_at) <= now:
        return None
    return invite


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their (UTC) zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _digest(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()
