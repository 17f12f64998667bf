"""Who may administer the studio: the one rule every admin service, route and page applies.

Kept in core, so the API, the pages and the command line cannot each grow their own idea of it.
"""

from __future__ import annotations

from core.errors import Forbidden
from core.models import User

ADMIN_ONLY = "Only an admin can do this"


def require_admin(user: User) -> User:
    """The user when they are an admin, else ``Forbidden`` (403 from the API)."""
    if not user.is_admin:
        raise Forbidden(ADMIN_ONLY)
    return user
