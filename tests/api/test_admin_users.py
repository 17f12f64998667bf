"""The admin API for users and invites (issue 15.6), through the served app: an admin's bearer token only
(another user 403, no token 401), never a password hash in an answer, a disabled user's token refused at
once, a reset password that must be replaced before a token is handed out, the last admin kept."""

from __future__ import annotations

from httpx import AsyncClient

from core import auth
from core.admin import invites
from core.container import Studio
from tests.support.served_app import PASSWORD, ApiUser, api_user

USERS = "/api/v1/admin/users"
INVITES = "/api/v1/admin/invites"


def api_admin(studio: Studio, email: str = "boss@example.com") -> ApiUser:
    user = auth.create_user(studio.ctx.db, email, PASSWORD, is_admin=True)
    _, plain = auth.create_token(studio.ctx.db, user, "tests")
    return ApiUser(user, plain)


async def test_create_list_and_patch_never_answer_with_a_hash(studio: Studio, client: AsyncClient) -> None:
    boss = api_admin(studio)
    made = await client.post(USERS, headers=boss.headers, json={
        "email": "Mira@Example.com", "password": "a long password", "is_admin": False, "disabled": False})
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["email"], body["is_admin"], body["disabled"], body["last_sign_in_at"]) == \
        ("mira@example.com", False, False, None)
    listed = await client.get(USERS, headers=boss.headers)
    assert [u["email"] for u in listed.json()] == ["boss@example.com", "mira@example.com"]
    patched = await client.patch(f"{USERS}/{body['id']}", headers=boss.headers,
                                 json={"email": "mira.vale@example.com", "is_admin": True})
    assert patched.status_code == 200 and (patched.json()["email"], patched.json()["is_admin"]) == \
        ("mira.vale@example.com", True)
    stored = auth.get_user(studio.ctx.db, body["id"])
    assert stored is not None
    for answer in (made, listed, patched):
        assert stored.password_hash not in answer.text and "scrypt$" not in answer.text
    assert set(body) == {"id", "email", "display_name", "is_admin", "disabled", "must_change_password",
                         "last_sign_in_at", "created_at"}
    short = await client.post(USERS, headers=boss.headers, json={"email": "x@example.com", "password": "short"})
    assert short.status_code == 400 and "at least 8" in short.json()["fields"]["password"]
    taken = await client.post(USERS, headers=boss.headers, json={"email": "boss@example.com", "password": PASSWORD})
    assert taken.status_code == 400 and "already exists" in taken.json()["fields"]["email"]
    missing = await client.patch(f"{USERS}/no-such-id", headers=boss.headers, json={"disabled": True})
    assert missing.status_code == 404
    extra = await client.patch(f"{USERS}/{body['id']}", headers=boss.headers, json={"password_hash": "x"})
    assert extra.status_code in (400, 422)


async def test_a_disabled_users_token_stops_at_once_and_works_again_when_enabled(
        studio: Studio, client: AsyncClient) -> None:
    boss = api_admin(studio)
    mira = api_user(studio, "mira@example.com")
    assert (await client.get("/api/v1/me", headers=mira.headers)).status_code == 200
    off = await client.patch(f"{USERS}/{mira.user.id}", headers=boss.headers, json={"disabled": True})
    assert off.status_code == 200 and off.json()["disabled"] is True
    refused = await client.get("/api/v1/me", headers=mira.headers)
    assert refused.status_code == 401 and "disabled" in refused.json()["error"]
    no_new_token = await client.post("/api/v1/auth/token", json={"email": "mira@example.com", "password": PASSWORD})
    assert no_new_token.status_code == 401
    on = await client.patch(f"{USERS}/{mira.user.id}", headers=boss.headers, json={"disabled": False})
    assert on.status_code == 200
    assert (await client.get("/api/v1/me", headers=mira.headers)).status_code == 200


async def test_a_reset_password_must_be_replaced_before_a_token(studio: Studio, client: AsyncClient) -> None:
    boss = api_admin(studio)
    mira = api_user(studio, "mira@example.com")
    reset = await client.patch(f"{USERS}/{mira.user.id}", headers=boss.headers, json={"password": "temporary pass"})
    assert reset.status_code == 200 and reset.json()["must_change_password"] is True
    old = await client.post("/api/v1/auth/token", json={"email": "mira@example.com", "password": PASSWORD})
    assert old.status_code == 401
    blocked = await client.post("/api/v1/auth/token", json={"email": "mira@example.com", "password": "temporary pass"})
    assert blocked.status_code == 403 and "new password" in blocked.json()["error"]


async def test_the_last_admin_cannot_demote_or_disable_themselves(studio: Studio, client: AsyncClient) -> None:
    boss = api_admin(studio)
    for change, field in (({"is_admin": False}, "is_admin"), ({"disabled": True}, "disabled")):
        refused = await client.patch(f"{USERS}/{boss.user.id}", headers=boss.headers, json=change)
        assert refused.status_code == 400
        assert "boss@example.com is the last active admin" in refused.json()["fields"][field]
    assert (await client.get(USERS, headers=boss.headers)).status_code == 200  # still an admin


async def test_an_invite_answers_its_link_once_and_the_link_makes_one_account(
        studio: Studio, client: AsyncClient) -> None:
    boss = api_admin(studio)
    made = await client.post(INVITES, headers=boss.headers, json={"email": "guest@example.com"})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["path"] == f"/invite/{body['token']}" and body["url"].endswith(body["path"])
    assert body["url"].startswith("http") and body["email"] == "guest@example.com"
    invite = invites.open_invite(studio.ctx.db, body["token"])
    assert invite is not None and invite.token_hash not in made.text
    page = await client.get(body["path"])
    assert page.status_code == 200
    guessed = await client.post(INVITES, headers=boss.headers, json={"email": "not an email"})
    assert guessed.status_code == 400 and "email" in guessed.json()["fields"]


async def test_pending_invites_are_listed_without_their_link_and_can_be_withdrawn(
        studio: Studio, client: AsyncClient) -> None:
    boss = api_admin(studio)
    kept = (await client.post(INVITES, headers=boss.headers, json={"email": "kept@example.com"})).json()
    gone = (await client.post(INVITES, headers=boss.headers, json={"email": "gone@example.com"})).json()
    listed = await client.get(INVITES, headers=boss.headers)
    assert listed.status_code == 200
    assert [row["email"] for row in listed.json()] == ["gone@example.com", "kept@example.com"]  # newest first
    assert kept["token"] not in listed.text and gone["token"] not in listed.text
    assert (await client.delete(f"{INVITES}/{gone['id']}", headers=boss.headers)).status_code == 204
    assert invites.open_invite(studio.ctx.db, gone["token"]) is None  # the link stops working
    assert invites.open_invite(studio.ctx.db, kept["token"]) is not None
    assert [row["id"] for row in (await client.get(INVITES, headers=boss.headers)).json()] == [kept["id"]]
    assert (await client.delete(f"{INVITES}/{gone['id']}", headers=boss.headers)).status_code == 404


async def test_only_admins_reach_the_routes(studio: Studio, client: AsyncClient) -> None:
    api_admin(studio)
    mira = api_user(studio, "mira@example.com")
    calls = [("GET", USERS, None), ("POST", USERS, {"email": "x@example.com", "password": PASSWORD}),
             ("PATCH", f"{USERS}/{mira.user.id}", {"is_admin": True}), ("POST", INVITES, {}),
             ("GET", INVITES, None), ("DELETE", f"{INVITES}/any", None)]
    for method, path, body in calls:
        assert (await client.request(method, path, headers=mira.headers, json=body)).status_code == 403, path
        assert (await client.request(method, path, json=body)).status_code == 401, path
    assert not auth.get_user(studio.ctx.db, mira.user.id).is_admin  # type: ignore[union-attr]
    assert auth.get_user_by_email(studio.ctx.db, "x@example.com") is None
