"""Local signed URLs through the app main.py serves: its /storage route refuses every URL it did not sign."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from httpx import AsyncClient
from nicegui.testing import User

from storage.base import REFERENCE_IMAGES, USER_LIBRARY
from storage.local import LocalStorage
from tests.support.served_app import SECRET, running_studio

KEY = "u1/c1/ref.png"
PNG = b"\x89PNG\r\n\x1a\n-fake-but-typed"


@pytest.fixture
def local(user: User) -> LocalStorage:
    """The running app's storage (files under its data dir, URLs signed with ``SECRET``), holding ``KEY``."""
    storage = running_studio().ctx.storage
    assert isinstance(storage, LocalStorage)
    storage.put(REFERENCE_IMAGES, KEY, PNG, "image/png")
    return storage


@pytest.fixture
def client(client: AsyncClient, local: LocalStorage) -> AsyncClient:
    """HTTP to the app, once its storage holds ``KEY``."""
    return client


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def test_valid_url_serves_bytes_type_and_safe_cache_headers(local: LocalStorage,
                                                                  client: AsyncClient) -> None:
    url = local.signed_url(REFERENCE_IMAGES, KEY)
    assert url.startswith("/storage/reference_images/u1/c1/ref.png?expires=")
    response = await client.get(url)
    assert response.status_code == 200
    assert response.content == PNG
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["etag"].startswith('"')
    max_age = int(response.headers["cache-control"].split("max-age=")[1])
    assert 31_536_000 - 60 <= max_age <= 31_536_000  # until the URL itself expires (one year)


async def test_conditional_get_answers_304_without_a_body(local: LocalStorage, client: AsyncClient) -> None:
    url = local.signed_url(REFERENCE_IMAGES, KEY)
    etag = (await client.get(url)).headers["etag"]
    again = await client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    weak = await client.get(url, headers={"If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    local.put(REFERENCE_IMAGES, KEY, PNG + b"changed", "image/png")
    changed = await client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.content.endswith(b"changed")


async def test_tampered_signature_is_403(local: LocalStorage, client: AsyncClient) -> None:
    url = local.signed_url(REFERENCE_IMAGES, KEY)
    flipped = url[:-1] + ("0" if url[-1] != "0" else "1")
    response = await client.get(flipped)
    assert response.status_code == 403 and response.content == b""


async def test_tampered_path_is_403_even_when_that_object_exists(local: LocalStorage,
                                                                 client: AsyncClient) -> None:
    local.put(REFERENCE_IMAGES, "u2/c9/secret.png", b"someone else's", "image/png")
    url = local.signed_url(REFERENCE_IMAGES, KEY)
    response = await client.get(url.replace("u1/c1/ref.png", "u2/c9/secret.png"))
    assert response.status_code == 403


async def test_tampered_expiry_is_403(local: LocalStorage, client: AsyncClient) -> None:
    url = local.signed_url(REFERENCE_IMAGES, KEY, expires_in=60)
    expires = _query(url)["expires"]
    response = await client.get(url.replace(f"expires={expires}", f"expires={int(expires) + 10**8}"))
    assert response.status_code == 403


async def test_expired_url_is_403(local: LocalStorage, client: AsyncClient) -> None:
    # Signed by the same secret an hour ago, for one minute: expired 59 minutes ago.
    signer = LocalStorage(local.root, SECRET, clock=lambda: time.time() - 3600)
    url = signer.signed_url(REFERENCE_IMAGES, KEY, expires_in=60)
    assert (await client.get(url)).status_code == 403
    fresh = signer.signed_url(REFERENCE_IMAGES, KEY, expires_in=7200)  # still an hour to go
    assert (await client.get(fresh)).status_code == 200


async def test_url_for_another_bucket_is_403(local: LocalStorage, client: AsyncClient) -> None:
    local.put(USER_LIBRARY, KEY, b"library copy", "image/png")
    url = local.signed_url(REFERENCE_IMAGES, KEY)
    assert (await client.get(url.replace("/reference_images/", "/user-library/"))).status_code == 403
    assert (await client.get(url.replace("/reference_images/", "/not-a-bucket/"))).status_code == 403


async def test_url_signed_with_another_secret_is_403(local: LocalStorage, client: AsyncClient) -> None:
    other = LocalStorage(local.root, "another-secret")
    assert (await client.get(other.signed_url(REFERENCE_IMAGES, KEY))).status_code == 403


@pytest.mark.parametrize("query", ["", "?expires=9999999999", "?sig=abc", "?expires=soon&sig=abc",
                                   "?expires=9999999999&sig="])
async def test_missing_or_malformed_parameters_are_403(client: AsyncClient, query: str) -> None:
    assert (await client.get(f"/storage/reference_images/{KEY}{query}")).status_code == 403


async def test_dot_dot_in_the_path_is_403(local: LocalStorage, client: AsyncClient) -> None:
    q = urlsplit(local.signed_url(REFERENCE_IMAGES, KEY)).query
    response = await client.get(f"/storage/reference_images/u1/%2E%2E/%2E%2E/secret_key?{q}")
    assert response.status_code == 403


async def test_valid_signature_for_a_missing_object_is_404(local: LocalStorage, client: AsyncClient) -> None:
    url = local.signed_url(REFERENCE_IMAGES, "u1/c1/gone.png")
    assert (await client.get(url)).status_code == 404
    local.delete(REFERENCE_IMAGES, KEY)
    assert (await client.get(local.signed_url(REFERENCE_IMAGES, KEY))).status_code == 404


async def test_non_image_content_is_never_served_inline(local: LocalStorage, client: AsyncClient) -> None:
    local.put(REFERENCE_IMAGES, "u1/c1/page.png", b"<script>alert(1)</script>", "text/html")
    response = await client.get(local.signed_url(REFERENCE_IMAGES, "u1/c1/page.png"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"] == "attachment"
    assert "sandbox" in response.headers["content-security-policy"]


async def test_head_reports_the_length_without_a_body(local: LocalStorage, client: AsyncClient) -> None:
    response = await client.head(local.signed_url(REFERENCE_IMAGES, KEY))
    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(PNG)) and response.content == b""
