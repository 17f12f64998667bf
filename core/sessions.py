"""Sign-in sessions kept on the server: a browser holds a random token, the database its digest.

The token is new at every sign-in (a session id fixed before sign-in is worth nothing after it), and
signing out deletes the row: every tab of that browser, in every process, is refused at its next
save or page load, and the tabs of this process are told at once (``session.ended`` on the bus).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlmodel import col, delete, select

from core.db import Database
from core.events import Event, EventBus, EventType
from core.models import User, UserSession, utcnow

SESSION_PREFIX = "session:"  # event key of one session's tabs
TOUCH_EVERY = timedelta(minutes=5)  # last_seen_at is written at most this often


def start_session(db: Database, user: User) -> str:
    """A new session for ``user``; the plain token is returned once and never stored."""
    plain = secrets.token_urlsafe(32)
    with db.write() as session:
        session.add(UserSession(user_id=user.id, token_hash=_digest(plain)))
        row = session.get(User, user.id)
        if row is not None:  # every session starts with a sign-in: the admin page shows the last one
            row.last_sign_in_at = utcnow()
            session.add(row)
    return plain


def session_user(db: Database, token: str | None) -> User | None:
    """The user of a live session (None for no token, an ended session or a disabled account)."""
    if not token or len(token) > 200:
        return None
    with db.read() as session:
        row = session.exec(select(UserSession).where(UserSession.token_hash == _digest(token))).first()
        user = session.get(User, row.user_id) if row is not None else None
    if user is not None and user.disabled:
        return None
    if row is not None and user is not None and utcnow() - _aware(row.last_seen_at) > TOUCH_EVERY:
        _touch(db, row.id)
    return user


def end_session(db: Database, events: EventBus, token: str | None) -> None:
    """Sign this browser out everywhere: the row goes, and this process's tabs of it hear so."""
    if not token:
        return
    with db.write() as session:
        session.exec(delete(UserSession).where(col(UserSession.token_hash) == _digest(token)))  # type: ignore[call-overload]
    events.publish(Event(EventType.SESSION_ENDED, session_key(token)))


def end_user_sessions(db: Database, events: EventBus, user_id: str, message: str) -> int:
    """End every session of one account (disabled, or its password reset), as signing out does: the rows
    go, and every open tab of them, in every process (the bus), hears ``message``. How many ended."""
    with db.write() as session:
        rows = list(session.exec(select(UserSession).where(UserSession.user_id == user_id)))
        for row in rows:
            session.delete(row)
    for row in rows:
        events.publish(Event(EventType.SESSION_ENDED, SESSION_PREFIX + row.token_hash[:32], {"message": message}))
    return len(rows)


def end_other_sessions(db: Database, events: EventBus, user_id: str, keep_token: str | None, message: str) -> int:
    """End every session of the account but ``keep_token``'s (a password change: whoever else was signed
    in with the old password is signed out, the person changing it stays). How many ended."""
    keep = _digest(keep_token) if keep_token else None
    with db.write() as session:
        rows = [row for row in session.exec(select(UserSession).where(UserSession.user_id == user_id))
                if row.token_hash != keep]
        for row in rows:
            session.delete(row)
    for row in rows:
        events.publish(Event(EventType.SESSION_ENDED, SESSION_PREFIX + row.token_hash[:32], {"message": message}))
    return len(rows)


def session_key(token: str) -> str:
    """The event key under which the tabs of one session listen (a digest: tokens never travel)."""
    return SESSION_PREFIX + _digest(token)[:32]


def _touch(db: Database, session_id: str) -> None:
    with db.write() as session:
        row = session.get(UserSession, session_id)
        if row is not None:
            row.last_seen_at = utcnow()
            session.add(row)


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their (UTC) zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
