"""Users for admins: list, create, edit (email, admin flag, disabled), reset a password.

Every function takes the acting user first and applies :func:`core.admin_access.require_admin`.

- **Disabling** takes effect at once: the account's sessions are ended as a sign-out ends them (rows
  deleted, ``session.ended`` on the bus, so its open tabs in every process go to sign-in), its API
  tokens are refused from the next request (:func:`core.auth.user_for_token`), and it cannot sign in.
  Re-enabling lets it sign in again and its tokens work again.
- **Resetting a password** sets a temporary one (given, or generated and returned once), asks for a new
  one at the next sign-in (``must_change_password``) and ends the account's sessions.
- **The last active admin** (an admin not disabled) cannot be demoted or disabled: the studio would
  have nobody left to administer it. Counted under a lock (SQLite's write lock; ``FOR UPDATE`` on
  PostgreSQL), so two admins demoting each other at once cannot both succeed.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

from core import auth, sessions
from core.admin_access import require_admin
from core.context import Context
from core.errors import NotFound, ValidationError
from core.models import User, utcnow

USER_FIELDS = ("email", "password", "is_admin", "disabled", "display_name", "must_change_password")
DISABLED_MESSAGE = "An admin disabled this account: you have been signed out"
RESET_MESSAGE = "An admin reset this account's password: sign in with the new one"
LAST_ADMIN = "{email} is the last active admin: make another account an admin first"


def list_users(ctx: Context, actor: User) -> list[User]:
    """Every account, oldest first (the first is the one who set the studio up)."""
    require_admin(actor)
    with ctx.db.read() as session:
        return list(session.exec(select(User).order_by(col(User.created_at), col(User.email))))


def get_user(ctx: Context, actor: User, user_id: str) -> User:
    require_admin(actor)
    with ctx.db.read() as session:
        return _row(session, user_id)


def create_user(ctx: Context, actor: User, values: Mapping[str, Any]) -> User:
    """A new account with the password the admin chose; ``must_change_password`` asks the person to
    replace it at their first sign-in."""
    require_admin(actor)
    _only_known(values)
    user = auth.create_user(ctx.db, str(values.get("email") or ""), _text(values, "password"),
                            _text(values, "display_name"), is_admin=_flag(values, "is_admin"))
    if _flag(values, "disabled") or _flag(values, "must_change_password"):
        with ctx.db.write() as session:
            row = _row(session, user.id)
            row.disabled, row.must_change_password = _flag(values, "disabled"), _flag(values, "must_change_password")
            session.add(row)
        user = row
    return user


def update_user(ctx: Context, actor: User, user_id: str, changes: Mapping[str, Any]) -> User:
    """Apply the given fields. A new ``password`` for someone else is a reset (they must change it
    at their next sign-in, unless ``must_change_password`` says otherwise; their sessions end); for
    oneself it is simply the new password."""
    require_admin(actor)
    _only_known(changes)
    password_hash = None
    if changes.get("password") is not None:
        auth.check_password(changes["password"])
        password_hash = auth.hash_password(changes["password"])  # slow on purpose: outside the transaction
    with ctx.db.write() as session:
        row = _row(session, user_id, lock=True)
        was_disabled = row.disabled
        _apply(session, row, changes, password_hash, resetting=row.id != actor.id)
        row.updated_at = utcnow()
        session.add(row)
    if row.disabled and not was_disabled:
        sessions.end_user_sessions(ctx.db, ctx.events, row.id, DISABLED_MESSAGE)
    elif password_hash is not None and row.id != actor.id:
        sessions.end_user_sessions(ctx.db, ctx.events, row.id, RESET_MESSAGE)
    return row


def reset_password(ctx: Context, actor: User, user_id: str, temporary: str = "") -> str:
    """Give the account a temporary password (generated when ``temporary`` is empty), returned once."""
    temporary = temporary or generate_password()
    update_user(ctx, actor, user_id, {"password": temporary, "must_change_password": True})
    return temporary


def generate_password() -> str:
    """A temporary password an admin can read out or paste: 16 characters, no look-alikes lost to fonts."""
    return secrets.token_urlsafe(12)


def _apply(session: Session, row: User, changes: Mapping[str, Any], password_hash: str | None, *,
           resetting: bool) -> None:
    if changes.get("email") is not None:
        email = auth.normalise_email(str(changes["email"]))
        taken = session.exec(select(User).where(User.email == email, User.id != row.id)).first()
        if taken is not None:
            raise ValidationError({"email": "An account with this email already exists"})
        row.email = email
    if changes.get("display_name") is not None:
        row.display_name = display_name(str(changes["display_name"]), row.email)
    is_admin = row.is_admin if changes.get("is_admin") is None else bool(changes["is_admin"])
    disabled = row.disabled if changes.get("disabled") is None else bool(changes["disabled"])
    if row.is_admin and not row.disabled and not (is_admin and not disabled):
        _keep_an_admin(session, row, "is_admin" if not is_admin else "disabled")
    row.is_admin, row.disabled = is_admin, disabled
    if password_hash is not None:
        row.password_hash = password_hash
        row.must_change_password = resetting
    if changes.get("must_change_password") is not None:
        row.must_change_password = bool(changes["must_change_password"])


def _keep_an_admin(session: Session, row: User, field: str) -> None:
    """Refuse to take away the last active admin (the rows are locked for the rest of the transaction)."""
    active_admins = select(User.id).where(col(User.is_admin).is_(True), col(User.disabled).is_(False))
    others = session.exec(active_admins.where(User.id != row.id).with_for_update()).all()
    if not others:
        raise ValidationError({field: LAST_ADMIN.format(email=row.email)})


def display_name(name: str, email: str) -> str:
    """A display name as stored: trimmed, at most 100 characters; blank falls back to the email's name."""
    name = " ".join(name.split())
    if len(name) > 100:
        raise ValidationError({"display_name": "Display name must be at most 100 characters"})
    return name or email.split("@")[0]


def _row(session: Session, user_id: str, *, lock: bool = False) -> User:
    stmt = select(User).where(User.id == user_id)
    if lock:
        stmt = stmt.with_for_update()
    row = session.exec(stmt).first() if user_id else None
    if row is None:
        raise NotFound("User not found")
    return row


def _only_known(values: Mapping[str, Any]) -> None:
    unknown = sorted(set(values) - set(USER_FIELDS))
    if unknown:
        raise ValidationError({name: f"Unknown field: {name}" for name in unknown})


def _flag(values: Mapping[str, Any], name: str) -> bool:
    return bool(values.get(name) or False)


def _text(values: Mapping[str, Any], name: str) -> str:
    value = values.get(name)
    return "" if value is None else str(value)
