"""What a hostile visitor found (issue 13, points 1, 11, 13), tried against the app main.py serves.

Request bodies are bounded and API callers authenticated before a byte of the body is read; sign-in
is throttled on the API as on the page; every response carries the security headers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from httpx import AsyncClient

from core.container import Studio
from core.sign_in import LOCK_AFTER, SignInThrottle
from tests.support.served_app import PASSWORD, api_user

MB = 1024 * 1024


class Body:
    """A request body handed over in 64 KiB chunks, counting how many the server pulled."""

    def __init__(self, size: int, chunk: int = 64 * 1024) -> None:
        self.size, self.chunk, self.pulled = size, chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        sent = 0
        while sent < self.size:
            part = min(self.chunk, self.size - sent)
            self.pulled += part
            sent += part
            yield b"x" * part


async def test_an_oversized_declared_body_is_refused_before_it_is_read(studio: Studio, client: AsyncClient) -> None:
    owner = api_user(studio, "big@example.com")
    body = Body(300 * MB)
    response = await client.post("/api/v1/characters/import", content=body, headers={
        **owner.headers, "content-type": "multipart/form-data; boundary=x", "content-length": str(300 * MB)})
    assert response.status_code == 413 and response.json()["code"] == "body_too_large"
    assert body.pulled <= 64 * 1024  # nothing read but what the transport handed over up front


async def test_an_anonymous_upload_gets_its_401_without_the_body_being_read(studio: Studio,
                                                                            client: AsyncClient) -> None:
    body = Body(5 * MB)
    response = await client.post("/api/v1/characters/import", content=body, headers={
        "content-type": "multipart/form-data; boundary=x", "content-length": str(5 * MB)})
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert body.pulled <= 64 * 1024


async def test_json_bodies_are_capped_at_a_few_megabytes_even_without_a_length(studio: Studio,
                                                                               client: AsyncClient) -> None:
    owner = api_user(studio, "json@example.com")
    declared = await client.post("/api/v1/characters", content=b"{" + b" " * (3 * MB) + b"}",
                                 headers={**owner.headers, "content-type": "application/json"})
    assert declared.status_code == 413
    body = Body(300 * MB)  # chunked: no Content-Length to judge by
    streamed = await client.post("/api/v1/characters", content=body,
                                 headers={**owner.headers, "content-type": "application/json"})
    assert streamed.status_code == 413 and body.pulled <= 3 * MB  # cut at the limit, not read to the end
    ok = await client.post("/api/v1/characters", json={"name": "Still works", "description": "x" * 60},
                           headers=owner.headers)
    assert ok.status_code == 201


async def test_token_exchange_is_throttled_then_locked_with_retry_after(studio: Studio, client: AsyncClient) -> None:
    studio.sign_ins = SignInThrottle(first_delay_s=0.01, max_delay_s=0.05)  # the same rules, shorter waits
    api_user(studio, "mira@example.com")
    answers = [(await client.post("/api/v1/auth/token", json={"email": "mira@example.com", "password": "wrong!!"}))
               for _ in range(LOCK_AFTER + 1)]
    assert [a.status_code for a in answers] == [401] * LOCK_AFTER + [429]
    assert int(answers[-1].headers["retry-after"]) > 0 and answers[-1].json()["code"] == "too_many_attempts"
    locked = await client.post("/api/v1/auth/token", json={"email": "mira@example.com", "password": PASSWORD})
    assert locked.status_code == 429  # even the right password, until the lock has passed


async def test_every_response_carries_the_security_headers(studio: Studio, client: AsyncClient) -> None:
    for path in ("/login", "/api/v1/me", "/healthz", "/openapi.json"):
        response = await client.get(path)
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "same-origin", path
