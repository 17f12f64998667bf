"""What every person does to their own account: change the password, set the display name, and (when
the studio allows it) create an account themselves.

A password change needs the current password, so a tab left open on someone else's screen cannot take
the account over. After an admin's reset (``must_change_password``) the sign-in flow asks for a new
password right after the temporary one was accepted: :func:`set_required_password` takes only that
case. Open sign-up is off unless ``STUDIO_OPEN_SIGNUP`` is on; off, :func:`sign_up` refuses, whoever
calls it.
"""

from __future__ import annotations

from core import auth
from core.admin.users import display_name
from core.config import Settings
from core.db import Database
from core.errors import Forbidden, NotFound, ValidationError
from core.models import User, utcnow

SIGNUP_CLOSED = "This studio does not take sign-ups: ask an admin for an invite"
SAME_PASSWORD = "Choose a password other than the current one"


def change_password(db: Database, user: User, current: str, new: str) -> User:
    """Replace the password after checking the current one (ValidationError on ``current`` if wrong)."""
    row = _fresh(db, user)
    if not auth.verify_password(current or "", row.password_hash):
        raise ValidationError({"current": "The current password is not right"})
    return _store(db, row, current, new)


def set_required_password(db: Database, user: User, temporary: str, new: str) -> User:
    """The step after a sign-in with a reset password: ``temporary`` is what was just accepted."""
    row = _fresh(db, user)
    if not row.must_change_password:
        raise ValidationError("This account has no password change pending")
    if not auth.verify_password(temporary or "", row.password_hash):
        raise ValidationError("The temporary password was changed meanwhile: sign in again")
    return _store(db, row, temporary, new)


def set_display_name(db: Database, user: User, name: str) -> User:
    """The name shown instead of the email (blank: the email's part before the @)."""
    with db.write() as session:
        row = session.get(User, user.id)
        if row is None:
            raise NotFound("Account not found")
        row.display_name = display_name(name or "", row.email)
        row.updated_at = utcnow()
        session.add(row)
    return row


def sign_up(db: Database, settings: Settings, email: str, password: str, name: str = "") -> User:
    """A new account of one's own, when open sign-up is on; Forbidden otherwise."""
    if not settings.open_signup:
        raise Forbidden(SIGNUP_CLOSED)
    return auth.create_user(db, email, password, name, is_admin=False)


def _store(db: Database, row: User, old: str, new: str) -> User:
    auth.check_password(new or "")
    if new == old:
        raise ValidationError({"password": SAME_PASSWORD})
    encoded = auth.hash_password(new)  # slow on purpose: outside the transaction
    with db.write() as session:
        fresh = session.get(User, row.id)
        if fresh is None:
            raise NotFound("Account not found")
        fresh.password_hash, fresh.must_change_password, fresh.updated_at = encoded, False, utcnow()
        session.add(fresh)
    return fresh


def _fresh(db: Database, user: User) -> User:
    with db.read() as session:
        row = session.get(User, user.id)
    if row is None or row.disabled:
        raise NotFound("Account not found")
    return row
