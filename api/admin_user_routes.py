"""``/api/v1/admin/users`` and ``/api/v1/admin/invites``: accounts for admins (an admin's bearer token;
others 403, none 401).

Responses never carry a password or its hash. ``PATCH`` with a ``password`` for another account is a
reset: that person must choose a new one at their next sign-in (unless ``must_change_password: false``
is sent too) and their sessions end; ``disabled: true`` ends their sessions and stops their tokens at
once. The last active admin cannot be demoted or disabled (400 naming the field). An invite's link is
in the answer to its ``POST`` and nowhere else, ever. The rules live in :mod:`core.admin.users` and
:mod:`core.admin.invites`; this module maps HTTP onto them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from api.deps import AdminUser, StudioDep
from api.schemas import ErrorOut
from core.admin import invites, users

router = APIRouter(prefix="/api/v1/admin", tags=["admin"],
                   responses={code: {"model": ErrorOut} for code in (400, 401, 403, 404)})

_WRITE_ONLY = {"writeOnly": True}


class UserAdminOut(BaseModel):
    """An account as an admin sees it: no password, no hash."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    email: str
    display_name: str
    is_admin: bool
    disabled: bool
    must_change_password: bool
    last_sign_in_at: datetime | None
    created_at: datetime


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=320)
    password: str = Field(description="At least 8 characters; stored as a scrypt hash, never returned",
                          json_schema_extra=_WRITE_ONLY)
    is_admin: bool = False
    disabled: bool = False
    display_name: str | None = Field(None, max_length=100, description="Blank: the email's part before the @")
    must_change_password: bool = Field(False, description="Ask for a new password at the first sign-in")


class UserPatch(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")
    email: str | None = Field(None, max_length=320)
    password: str | None = Field(None, description="For another account: a reset (a new one is asked for "
                                 "at their next sign-in; their sessions end)", json_schema_extra=_WRITE_ONLY)
    is_admin: bool | None = None
    disabled: bool | None = Field(None, description="true ends the account's sessions and stops its tokens")
    display_name: str | None = Field(None, max_length=100)
    must_change_password: bool | None = None


class InviteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str | None = Field(None, max_length=320, description="The account's email; empty: the invitee types it")
    is_admin: bool = False


class InviteOut(BaseModel):
    """The link works once, until ``expires_at``; this answer is the only place it appears."""

    id: str
    token: str
    path: str
    url: str
    email: str | None
    is_admin: bool
    expires_at: datetime


class PendingInviteOut(BaseModel):
    """An invite not used yet and not expired; its link is not here (only its digest is stored)."""

    id: str
    email: str | None
    is_admin: bool
    created_at: datetime
    expires_at: datetime


@router.get("/users", response_model=list[UserAdminOut])
def list_users(admin: AdminUser, studio: StudioDep) -> Any:
    return users.list_users(studio.ctx, admin)


@router.post("/users", response_model=UserAdminOut, status_code=201)
def create_user(body: UserIn, admin: AdminUser, studio: StudioDep) -> Any:
    return users.create_user(studio.ctx, admin, body.model_dump(exclude_none=True))


@router.patch("/users/{user_id}", response_model=UserAdminOut)
def update_user(user_id: str, body: UserPatch, admin: AdminUser, studio: StudioDep) -> Any:
    return users.update_user(studio.ctx, admin, user_id, body.model_dump(exclude_unset=True, exclude_none=True))


@router.post("/invites", response_model=InviteOut, status_code=201)
def create_invite(body: InviteIn, admin: AdminUser, studio: StudioDep, request: Request) -> Any:
    invite, plain = invites.create_invite(studio.ctx, admin, body.email, body.is_admin)
    path = invites.invite_path(plain)
    return InviteOut(id=invite.id, token=plain, path=path, url=str(request.base_url).rstrip("/") + path,
                     email=invite.email, is_admin=invite.is_admin, expires_at=invite.expires_at)


@router.get("/invites", response_model=list[PendingInviteOut])
def list_invites(admin: AdminUser, studio: StudioDep) -> Any:
    return invites.pending_invites(studio.ctx, admin)


@router.delete("/invites/{invite_id}", status_code=204)
def withdraw_invite(invite_id: str, admin: AdminUser, studio: StudioDep) -> None:
    """The link stops working at once; a used or unknown invite is a 404."""
    invites.withdraw_invite(studio.ctx, admin, invite_id)
